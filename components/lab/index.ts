export * from "./backends";
export * from "./client";
export * from "./cluster";
export * from "./director";
export * from "./guest";
export * from "./host";
export * from "./realServer";
export * from "./stackConfig";
