// The exported head (.glb: 52 ARKit morph targets + the clip's animation) in three.js: drag to orbit,
// the animation follows its audio element's clock (so it stays in sync when played, paused or scrubbed),
// and renders at the browser's frame rate. window.tritalkViewer reports what was loaded, for tests.
import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";

let current = null;  // { renderer, stop }

export async function showHead(box, audio, glbUrl, wavUrl) {
  if (current) current.stop();
  window.tritalkViewer = { loaded: false };
  const gltf = await new GLTFLoader().loadAsync(glbUrl);
  let morphs = null;
  gltf.scene.traverse((o) => { if (o.morphTargetInfluences && !morphs) morphs = o; });
  const clip = gltf.animations[0];
  const mixer = new THREE.AnimationMixer(gltf.scene);
  if (clip) mixer.clipAction(clip).play();
  audio.src = wavUrl;
  audio.hidden = false;
  const jaw = morphs ? morphs.morphTargetDictionary.jawOpen : undefined;
  const info = {
    loaded: true,
    morphTargets: morphs ? morphs.morphTargetInfluences.length : 0,
    morphNames: morphs ? Object.keys(morphs.morphTargetDictionary) : [],
    animationSeconds: clip ? clip.duration : 0,
    tracks: clip ? clip.tracks.length : 0,
    webgl: false,
    frames: 0,
    time: () => audio.currentTime,
    jawOpen: () => (jaw === undefined ? null : morphs.morphTargetInfluences[jaw]),
  };
  window.tritalkViewer = info;

  box.replaceChildren();
  let renderer;
  try {
    renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
  } catch (e) {  // no WebGL (some headless or remote browsers): the file still loaded, say so
    box.innerHTML = `<p>3D preview needs WebGL (${e.message}); download the .glb instead.</p>`;
    mixer.setTime(0);
    return info;
  }
  info.webgl = true;
  const size = () => [box.clientWidth || 512, box.clientHeight || 512];
  renderer.setPixelRatio(window.devicePixelRatio);
  renderer.setSize(...size(), false);
  box.appendChild(renderer.domElement);
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0x20242c);
  scene.add(gltf.scene, new THREE.HemisphereLight(0xffffff, 0x444444, 2.0));
  const bounds = new THREE.Box3().setFromObject(gltf.scene);
  const centre = bounds.getCenter(new THREE.Vector3()), extent = bounds.getSize(new THREE.Vector3()).length();
  const [w, h] = size();
  const camera = new THREE.PerspectiveCamera(30, w / h, extent / 100, extent * 20);
  camera.position.copy(centre).add(new THREE.Vector3(0, 0, extent * 1.9));
  const controls = new OrbitControls(camera, renderer.domElement);
  controls.target.copy(centre);
  controls.enableDamping = true;
  controls.update();

  // Draw only when something changed (the audio's clock moved, the view was dragged, the box resized): a
  // local server shares the CPU with this page, and a still scene need not be drawn 60 times a second.
  let running = true, drawnAt = -1, dirty = true;
  controls.addEventListener("change", () => { dirty = true; });
  new ResizeObserver(() => {
    const [w, h] = size();
    renderer.setSize(w, h, false);
    camera.aspect = w / h;
    camera.updateProjectionMatrix();
    dirty = true;
  }).observe(box);
  const tick = () => {
    if (!running) return;
    controls.update();  // damping keeps 'change' coming until the view settles
    if (dirty || audio.currentTime !== drawnAt) {
      drawnAt = audio.currentTime;
      mixer.setTime(drawnAt);  // the audio's clock drives the animation: in sync by construction
      renderer.render(scene, camera);
      info.frames += 1;
      dirty = false;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  current = { stop: () => { running = false; renderer.dispose(); } };
  return info;
}
