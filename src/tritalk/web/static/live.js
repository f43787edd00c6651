// The Live page: microphone -> 20 ms int16 chunks over /ws/live -> JPEG frames drawn as they come.
// window.tritalkLive.stats() -> {frames, latency_ms_p95, latency_ms_p50, ...}; latency is from sending the
// chunk that completed a frame to drawing that frame (so server queueing and the wire are counted).
const $ = (id) => document.getElementById(id);
const CHUNK_S = 0.02;

const state = { frames: 0, dropped: 0, last: -1, latencies: [], jaw: [], sent: new Map(), ws: null, ctx: null,
                stream: null, fps: 25 };

function percentile(xs, p) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

window.tritalkLive = {
  stats: () => ({
    frames: state.frames,
    dropped: state.dropped,  // frames the server skipped to catch up (a machine too busy for real time)
    latency_ms_p95: percentile(state.latencies, 95),
    latency_ms_p50: percentile(state.latencies, 50),
    jaw_min: state.jaw.length ? Math.min(...state.jaw) : null,
    jaw_max: state.jaw.length ? Math.max(...state.jaw) : null,
  }),
  jaw: () => [...state.jaw],  // the session's jawOpen per frame, in order
  latencies: () => [...state.latencies],
};

function showError(text) { $("error").textContent = text || ""; }

async function init() {
  const config = await (await fetch("/api/config")).json();
  for (const e of config.emotions) $("live-emotion").add(new Option(e, e));
}

function readPhoto() {
  const f = $("live-photo").files[0];
  if (!f) return Promise.resolve(null);
  return new Promise((ok, bad) => {
    const r = new FileReader();
    r.onload = () => ok(r.result);
    r.onerror = () => bad(r.error);
    r.readAsDataURL(f);
  });
}

let drawing = Promise.resolve();
function onFrame(buf) {
  const view = new DataView(buf);
  const seq = view.getUint32(0, true), index = view.getUint32(4, true), jaw = view.getFloat32(8, true);
  const jpeg = new Blob([buf.slice(12)], { type: "image/jpeg" });
  drawing = drawing.then(async () => {  // in order: decoding is async
    const img = await createImageBitmap(jpeg);
    const canvas = $("live-view");
    if (canvas.width !== img.width) { canvas.width = img.width; canvas.height = img.height; }
    canvas.getContext("2d").drawImage(img, 0, 0);
    const sent = state.sent.get(seq);
    if (sent !== undefined) state.latencies.push(performance.now() - sent);
    for (const k of state.sent.keys()) {  // forget chunks long answered (a Map iterates in insertion order)
      if (k >= seq - 50) break;
      state.sent.delete(k);
    }
    state.frames += 1;
    state.dropped += Math.max(0, index - state.last - 1);
    state.last = index;
    state.jaw.push(jaw);
    if (state.frames % 5 === 0 && state.latencies.length) {  // the last 10 s on the page; stats(): the whole session
      const recent = state.latencies.slice(-250);
      $("live-stats").textContent = `${state.frames} frames · latency (last 10 s) p50 ` +
        `${percentile(recent, 50).toFixed(0)} ms, p95 ${percentile(recent, 95).toFixed(0)} ms` +
        (state.dropped ? ` · ${state.dropped} skipped to catch up` : "");
    }
  });
}

async function startMicrophone(ws) {
  state.stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 } });
  const ctx = new AudioContext();
  state.ctx = ctx;
  await ctx.audioWorklet.addModule("/static/mic-worklet.js");
  const tap = new AudioWorkletNode(ctx, "mic-tap");
  ctx.createMediaStreamSource(state.stream).connect(tap);
  const n = Math.round(ctx.sampleRate * CHUNK_S);
  let pending = new Float32Array(0), seq = 0;
  tap.port.onmessage = (e) => {
    if (!state.capturing) { pending = new Float32Array(0); return; }  // nothing is sent before the session is ready
    const joined = new Float32Array(pending.length + e.data.length);
    joined.set(pending); joined.set(e.data, pending.length);
    pending = joined;
    while (pending.length >= n && ws.readyState === WebSocket.OPEN) {
      const msg = new ArrayBuffer(4 + 2 * n), view = new DataView(msg);
      view.setUint32(0, seq, true);
      for (let i = 0; i < n; i++) view.setInt16(4 + 2 * i, Math.max(-32768, Math.min(32767, Math.round(pending[i] * 32767))), true);
      state.sent.set(seq, performance.now());
      ws.send(msg);
      seq += 1;
      pending = pending.slice(n);
    }
  };
  return ctx.sampleRate;
}

async function start() {
  showError("");
  $("live-start").disabled = true;
  $("live-status").textContent = "preparing the photo…";
  Object.assign(state, { frames: 0, dropped: 0, last: -1, latencies: [], jaw: [], sent: new Map(), capturing: false });
  let photo;
  try { photo = await readPhoto(); } catch (e) { showError(`error: cannot read the photo (${e}); choose it again`); $("live-start").disabled = false; return; }
  // the rate is known only once the audio context exists; ask for the microphone first
  let rate;
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/live`);
  ws.binaryType = "arraybuffer";
  state.ws = ws;
  ws.onmessage = async (e) => {
    if (typeof e.data !== "string") return onFrame(e.data);
    const msg = JSON.parse(e.data);
    if (msg.type === "error") { showError(msg.error); stop(false); }
    else if (msg.type === "ready") {
      state.fps = msg.fps;
      $("live-status").textContent = `live: speak (${msg.size}×${msg.size}, ${msg.fps} fps, lookahead ${msg.lookahead_ms} ms)`;
      $("live-stop").disabled = false;
      try { await state.ctx.resume(); } catch (err) { /* already running */ }
      state.capturing = true;
    }
  };
  ws.onclose = () => { if (state.ws === ws) stop(false); };
  try {
    await new Promise((ok, bad) => { ws.onopen = ok; ws.onerror = () => bad(new Error("cannot reach the server")); });
    rate = await startMicrophone(ws);
  } catch (e) {
    showError(`error: ${e.name === "NotAllowedError" ? "the microphone is blocked; allow it for this page" : e.message}`);
    stop(false);
    return;
  }
  ws.send(JSON.stringify({ type: "start", rate, size: Number($("live-size").value), photo,
    emotion: $("live-emotion").value, intensity: Number($("live-intensity").value),
    yaw: Number($("live-yaw").value), pitch: Number($("live-pitch").value) }));
}

function stop(sendStop = true) {
  state.capturing = false;
  if (state.ws && state.ws.readyState === WebSocket.OPEN && sendStop) state.ws.send(JSON.stringify({ type: "stop" }));
  if (state.stream) for (const t of state.stream.getTracks()) t.stop();
  if (state.ctx) state.ctx.close();
  state.stream = null; state.ctx = null;
  if (!sendStop) state.ws = null;
  $("live-start").disabled = false;
  $("live-stop").disabled = true;
  if (!$("error").textContent) $("live-status").textContent = "stopped";
}

for (const id of ["live-emotion", "live-intensity"]) $(id).addEventListener("change", () => {
  if (state.ws && state.ws.readyState === WebSocket.OPEN)
    state.ws.send(JSON.stringify({ type: "emotion", emotion: $("live-emotion").value, intensity: Number($("live-intensity").value) }));
});
for (const id of ["live-yaw", "live-pitch"]) $(id).addEventListener("input", () => {
  if (state.ws && state.ws.readyState === WebSocket.OPEN)
    state.ws.send(JSON.stringify({ type: "camera", yaw: Number($("live-yaw").value), pitch: Number($("live-pitch").value) }));
});
$("live-start").addEventListener("click", start);
$("live-stop").addEventListener("click", () => stop(true));
init();
