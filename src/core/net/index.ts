/** Network helpers shared by the servers (the axon, the web app): listening and its errors. */
export { AXON_LISTENER, checkPortFree, listenError, type Listener } from './_listen.js';
