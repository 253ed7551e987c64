export * from "./remoteStep";
export * from "./sshKey";
export * from "./secrecy";
