import * as pulumi from "@pulumi/pulumi";
export declare function getNodeDevices(args?: GetNodeDevicesArgs, opts?: pulumi.InvokeOptions): Promise<GetNodeDevicesResult>;
/**
 * A collection of arguments for invoking getNodeDevices.
 */
export interface GetNodeDevicesArgs {
    capability?: string;
}
/**
 * A collection of values returned by getNodeDevices.
 */
export interface GetNodeDevicesResult {
    readonly capability?: string;
    readonly devices: string[];
    /**
     * The provider-assigned unique ID for this managed resource.
     */
    readonly id: string;
}
export declare function getNodeDevicesOutput(args?: GetNodeDevicesOutputArgs, opts?: pulumi.InvokeOptions): pulumi.Output<GetNodeDevicesResult>;
/**
 * A collection of arguments for invoking getNodeDevices.
 */
export interface GetNodeDevicesOutputArgs {
    capability?: pulumi.Input<string>;
}
