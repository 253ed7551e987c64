export * from "./mermaid";
export * from "./topology";
