// Worker for the infinite-loop test: instantiates the component and calls process(); the main
// thread acts as the watchdog and terminates this worker.
import { parentPort, workerData } from 'node:worker_threads';
import { ReferenceHost } from './host.mjs';
import { instantiate } from './component.mjs';

const host = new ReferenceHost();
const root = await instantiate(workerData.transpiled, host.imports());
parentPort.postMessage('calling');
try {
  root.processor.process(host.element('hello'));
} catch {
  // a trap is a return too
}
parentPort.postMessage('returned');
