import * as pulumi from "@pulumi/pulumi";
export declare function getNetworkDnsSrvTemplate(args: GetNetworkDnsSrvTemplateArgs, opts?: pulumi.InvokeOptions): Promise<GetNetworkDnsSrvTemplateResult>;
/**
 * A collection of arguments for invoking getNetworkDnsSrvTemplate.
 */
export interface GetNetworkDnsSrvTemplateArgs {
    domain?: string;
    port?: string;
    priority?: string;
    protocol: string;
    service: string;
    target?: string;
    weight?: string;
}
/**
 * A collection of values returned by getNetworkDnsSrvTemplate.
 */
export interface GetNetworkDnsSrvTemplateResult {
    readonly domain?: string;
    /**
     * The provider-assigned unique ID for this managed resource.
     */
    readonly id: string;
    readonly port?: string;
    readonly priority?: string;
    readonly protocol: string;
    readonly rendered: {
        [key: string]: string;
    };
    readonly service: string;
    readonly target?: string;
    readonly weight?: string;
}
export declare function getNetworkDnsSrvTemplateOutput(args: GetNetworkDnsSrvTemplateOutputArgs, opts?: pulumi.InvokeOptions): pulumi.Output<GetNetworkDnsSrvTemplateResult>;
/**
 * A collection of arguments for invoking getNetworkDnsSrvTemplate.
 */
export interface GetNetworkDnsSrvTemplateOutputArgs {
    domain?: pulumi.Input<string>;
    port?: pulumi.Input<string>;
    priority?: pulumi.Input<string>;
    protocol: pulumi.Input<string>;
    service: pulumi.Input<string>;
    target?: pulumi.Input<string>;
    weight?: pulumi.Input<string>;
}
