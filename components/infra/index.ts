export * from "./machine";
export * from "./network";
