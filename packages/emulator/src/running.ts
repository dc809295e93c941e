/** URLs of the emulators running in this process: runAction() asks only them for IAM sessions. */
export const runningEmulatorUrls = new Set<string>();
