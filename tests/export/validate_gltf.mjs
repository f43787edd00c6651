// Khronos' glTF validator on one file: prints its JSON report (issues: numErrors, numWarnings, messages).
// Usage: node tests/export/validate_gltf.mjs FILE.glb   (needs `npm ci` at the repo root)
import { readFileSync } from "node:fs";
import validator from "gltf-validator";

const path = process.argv[2];
const report = await validator.validateBytes(new Uint8Array(readFileSync(path)), {
  uri: path,
  maxIssues: 100,
  externalResourceFunction: () => Promise.reject(new Error("external resources are not used")),
});
process.stdout.write(JSON.stringify(report));
