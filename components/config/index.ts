export * from "./errors";
export * from "./fix";
export * from "./ipv4";
export * from "./schema";
export * from "./spec";
export * from "./validate";
export * from "./fromPulumi";
