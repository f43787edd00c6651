// Loads a .glb with three.js's GLTFLoader (as a web page would) and prints what it built, as JSON:
// morph target names, the animation's tracks (name, keyframes) and the textured material.
// Usage: node tests/export/load_three.mjs FILE.glb   (needs `npm ci` at the repo root)
// Node has no DOM: images are decoded by a stub createImageBitmap (three only needs an object back).
import { readFileSync } from "node:fs";
import { GLTFLoader } from "three/examples/jsm/loaders/GLTFLoader.js";

globalThis.self ??= globalThis;
globalThis.createImageBitmap ??= async (blob) => ({ width: 1, height: 1, close() {}, blob });

const data = readFileSync(process.argv[2]);
const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
const warnings = [];
const warn = console.warn;
console.warn = (...args) => warnings.push(args.join(" "));
new GLTFLoader().parse(buffer, "", (gltf) => {
  console.warn = warn;
  const meshes = [];
  gltf.scene.traverse((o) => {
    if (o.isMesh) {
      meshes.push({
        name: o.name,
        vertices: o.geometry.attributes.position.count,
        morphTargets: Object.keys(o.morphTargetDictionary ?? {}),
        influences: o.morphTargetInfluences?.length ?? 0,
        texture: Boolean(o.material.map),
        material: o.material.type,
      });
    }
  });
  const animations = gltf.animations.map((a) => ({
    name: a.name,
    duration: a.duration,
    tracks: a.tracks.map((t) => ({ name: t.name, keyframes: t.times.length, values: t.values.length })),
  }));
  process.stdout.write(JSON.stringify({ meshes, animations, warnings }));
}, (error) => {
  console.error(String(error));
  process.exit(1);
});
