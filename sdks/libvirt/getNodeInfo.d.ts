import * as pulumi from "@pulumi/pulumi";
export declare function getNodeInfo(opts?: pulumi.InvokeOptions): Promise<GetNodeInfoResult>;
/**
 * A collection of values returned by getNodeInfo.
 */
export interface GetNodeInfoResult {
    readonly cpuCoresPerSocket: number;
    readonly cpuCoresTotal: number;
    readonly cpuModel: string;
    readonly cpuSockets: number;
    readonly cpuThreadsPerCore: number;
    /**
     * The provider-assigned unique ID for this managed resource.
     */
    readonly id: string;
    readonly memoryTotalKb: number;
    readonly numaNodes: number;
}
export declare function getNodeInfoOutput(opts?: pulumi.InvokeOptions): pulumi.Output<GetNodeInfoResult>;
