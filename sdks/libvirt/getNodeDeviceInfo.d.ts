import * as pulumi from "@pulumi/pulumi";
import * as inputs from "./types/input";
import * as outputs from "./types/output";
export declare function getNodeDeviceInfo(args: GetNodeDeviceInfoArgs, opts?: pulumi.InvokeOptions): Promise<GetNodeDeviceInfoResult>;
/**
 * A collection of arguments for invoking getNodeDeviceInfo.
 */
export interface GetNodeDeviceInfoArgs {
    capability?: inputs.GetNodeDeviceInfoCapability;
    name: string;
}
/**
 * A collection of values returned by getNodeDeviceInfo.
 */
export interface GetNodeDeviceInfoResult {
    readonly capability: outputs.GetNodeDeviceInfoCapability;
    readonly devnodes: outputs.GetNodeDeviceInfoDevnode[];
    /**
     * The provider-assigned unique ID for this managed resource.
     */
    readonly id: string;
    readonly name: string;
    readonly parent: string;
    readonly path: string;
    readonly xml: string;
}
export declare function getNodeDeviceInfoOutput(args: GetNodeDeviceInfoOutputArgs, opts?: pulumi.InvokeOptions): pulumi.Output<GetNodeDeviceInfoResult>;
/**
 * A collection of arguments for invoking getNodeDeviceInfo.
 */
export interface GetNodeDeviceInfoOutputArgs {
    capability?: pulumi.Input<inputs.GetNodeDeviceInfoCapabilityArgs>;
    name: pulumi.Input<string>;
}
