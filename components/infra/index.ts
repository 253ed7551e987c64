export * from "./machine";
export * from "./network";
export * from "./labNetworks";
