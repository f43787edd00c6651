// The "make a video" page: inputs -> POST /api/jobs -> poll /api/jobs/{id} -> video + 3D viewer.
// Plain ES module, no build step. The server checks everything again; the checks here only answer sooner.
import { showHead } from "/static/viewer.js";

const $ = (id) => document.getElementById(id);
const MB = 1024 * 1024;
let config = null;
window.tritalkUi = { job: null };  // the last job's status, for tests and the curious

function showError(text) { $("error").textContent = text || ""; }
function setFile(input, file) {  // put a captured photo / recording into the file input, as if chosen
  const dt = new DataTransfer();
  dt.items.add(file);
  input.files = dt.files;
  input.dispatchEvent(new Event("change"));
}

async function init() {
  config = await (await fetch("/api/config")).json();
  for (const e of config.emotions) $("emotion").add(new Option(e, e));
  for (const c of config.cameras) $("camera").add(new Option(c === "static" ? "still camera" : c, c));
  for (const h of config.hairs) {
    $("hair").add(new Option(h === "auto" ? "hair: from the photo" : `hair: ${h.replace("_", " ")}`, h));
  }
  const L = config.limits;
  $("limits").textContent = `Limits: photo ${L.photo_mb} MB, audio ${L.audio_mb} MB and ${L.audio_seconds} s; ` +
    `video ${config.size}×${config.size} at ${config.fps} fps.`;
  for (const [id, fmt] of [["intensity", (v) => Number(v).toFixed(2)], ["yaw", (v) => `${v}°`], ["pitch", (v) => `${v}°`]]) {
    $(id).addEventListener("input", () => { $(`${id}-value`).textContent = fmt($(id).value); });
  }
}

// a chosen file: previewed at once, and a file over the server's limit named before any upload
for (const kind of ["photo", "audio"]) {
  $(kind).addEventListener("change", () => {
    const f = $(kind).files[0];
    showError("");
    if (!f) return;
    const limit = config && config.limits[`${kind}_mb`];
    if (limit && f.size > limit * MB)
      showError(`error: the ${kind} is ${(f.size / MB).toFixed(1)} MB, over the web app's ${limit} MB limit; use a smaller file`);
    $(`${kind}-preview`).src = URL.createObjectURL(f);
    $(`${kind}-preview`).hidden = false;
  });
}

$("webcam-open").addEventListener("click", async () => {
  try {
    $("webcam").srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } });
    $("webcam-box").hidden = false;
  } catch (e) { showError(`error: the webcam is not available (${e.name}); choose a photo file instead`); }
});

$("webcam-snap").addEventListener("click", () => {
  const v = $("webcam"), c = document.createElement("canvas");
  c.width = v.videoWidth; c.height = v.videoHeight;
  c.getContext("2d").drawImage(v, 0, 0);
  c.toBlob((blob) => setFile($("photo"), new File([blob], "webcam.jpg", { type: "image/jpeg" })), "image/jpeg", 0.92);
  for (const t of v.srcObject.getTracks()) t.stop();
  $("webcam-box").hidden = true;
});

let recorder = null;
$("record").addEventListener("click", async () => {
  if (recorder) { recorder.stop(); return; }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const parts = [];
    recorder = new MediaRecorder(stream);
    recorder.ondataavailable = (e) => parts.push(e.data);
    recorder.onstop = () => {
      for (const t of stream.getTracks()) t.stop();
      const type = recorder.mimeType || "audio/webm";
      setFile($("audio"), new File(parts, type.includes("ogg") ? "recording.ogg" : "recording.webm", { type }));
      recorder = null;
      $("record").textContent = "Record";
    };
    recorder.start();
    $("record").textContent = "Stop recording";
  } catch (e) { showError(`error: the microphone is not available (${e.name}); choose an audio file instead`); }
});

const STATES = { queued: "waiting", analysing: "reading the photo and the speech", rendering: "rendering",
                 exporting: "exporting the 3D head", done: "done", failed: "failed" };

function describe(s) {
  if (s.state === "queued") return s.ahead ? `waiting: ${s.ahead} job(s) ahead` : "starting";
  if (s.state === "rendering") return `rendering ${s.done}/${s.total} frames`;
  if (s.state === "done") return `done in ${s.seconds} s`;
  return STATES[s.state] || s.state;
}

async function poll(id) {
  for (;;) {
    const s = await (await fetch(`/api/jobs/${id}`)).json();
    window.tritalkUi.job = s;
    $("status").textContent = describe(s);
    $("progress").value = s.state === "rendering" && s.total ? s.done / s.total : (s.state === "done" ? 1 : 0);
    if (s.state === "done" || s.state === "failed" || s.error) return s;
    await new Promise((r) => setTimeout(r, 300));
  }
}

$("generate").addEventListener("click", async () => {
  showError("");
  if (!$("photo").files[0]) return showError("error: no photo chosen; choose a portrait photo (or take one with the webcam)");
  if (!$("audio").files[0]) return showError("error: no speech chosen; choose an audio file (or record one)");
  const form = new FormData();
  form.append("photo", $("photo").files[0]);
  form.append("audio", $("audio").files[0]);
  for (const id of ["emotion", "intensity", "yaw", "pitch", "camera", "hair"]) form.append(id, $(id).value);
  form.append("emotion_text", $("emotion-text").value);
  $("generate").disabled = true;
  $("progress").hidden = false;
  $("status").textContent = "uploading";
  try {
    const r = await fetch("/api/jobs", { method: "POST", body: form });
    const s = await r.json();
    if (!r.ok) { window.tritalkUi.job = s; $("status").textContent = ""; return showError(s.error || `error: the server answered ${r.status}`); }
    const done = await poll(s.id);
    if (done.state !== "done") return showError(done.error);
    $("result").src = done.video;
    $("download").href = done.video;
    $("download").hidden = false;
    if (done.glb) {
      $("glb-download").href = done.glb;
      $("glb-download").hidden = false;
      await showHead($("viewer"), $("viewer-audio"), done.glb, done.wav);
    }
  } catch (e) {
    showError(`error: lost the server (${e.message}); is 'tritalk ui' still running?`);
  } finally {
    $("generate").disabled = false;
  }
});

init();
