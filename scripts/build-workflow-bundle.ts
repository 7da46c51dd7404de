// Builds the workflow bundle once (tests and CI load it instead of bundling per test file).
import { writeWorkflowBundle } from '../src/temporal/workflow-bundle';

const { path, kib } = await writeWorkflowBundle(process.argv[2] ?? '.data/test/workflow-bundle.js');
console.log(`workflow bundle: ${path} (${kib} KiB)`);
