export * from "./remoteStep";
export * from "./sshKey";
