/**
 * The simulator's public surface: simulated ArduCopter drones (SimDrone), a fleet served on TCP/UDP like
 * SITL instances (SimFleet), a camera component (SimCamera), a faster-than-real-time clock (ScaledClock), fault rules, and `kongxun sim`.
 */
export { SimDrone, TICK_MS, REBOOT_SILENCE_MS, type SimDroneOptions } from './drone.js';
export { SimFleet, type SimFleetOptions, type SimDock, type SimDroneSpec, type FleetMember, type HomeSpec } from './fleet.js';
export { SimCamera, CAMERA_COMPID, streamTypeOfUri, type SimCameraOptions } from './camera.js';
export { ScaledClock } from './scaled-clock.js';
export { FaultSet, parseFaultFile, parseFaultRule, type FaultRule, type Direction } from './faults.js';
export { simMain, parseSimArgs, DEFAULT_HOME, type SimArgs, type SimMainIo } from './cli.js';
export { Mode, MODE_NAMES } from './modes.js';
export { GcsHarness, TEST_HOME } from './testkit.js';
