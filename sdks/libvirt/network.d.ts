import * as pulumi from "@pulumi/pulumi";
import * as inputs from "./types/input";
import * as outputs from "./types/output";
export declare class Network extends pulumi.CustomResource {
    /**
     * Get an existing Network resource's state with the given name, ID, and optional extra
     * properties used to qualify the lookup.
     *
     * @param name The _unique_ name of the resulting resource.
     * @param id The _unique_ provider ID of the resource to lookup.
     * @param state Any extra arguments used during the lookup.
     * @param opts Optional settings to control the behavior of the CustomResource.
     */
    static get(name: string, id: pulumi.Input<pulumi.ID>, state?: NetworkState, opts?: pulumi.CustomResourceOptions): Network;
    /**
     * Returns true if the given object is an instance of Network.  This is designed to work even
     * when multiple copies of the Pulumi SDK have been loaded into the same process.
     */
    static isInstance(obj: any): obj is Network;
    readonly addresses: pulumi.Output<string[] | undefined>;
    readonly autostart: pulumi.Output<boolean>;
    readonly bridge: pulumi.Output<string>;
    readonly dhcp: pulumi.Output<outputs.NetworkDhcp>;
    readonly dns: pulumi.Output<outputs.NetworkDns>;
    readonly dnsmasqOptions: pulumi.Output<outputs.NetworkDnsmasqOptions | undefined>;
    readonly domain: pulumi.Output<string | undefined>;
    readonly mode: pulumi.Output<string | undefined>;
    readonly mtu: pulumi.Output<number | undefined>;
    readonly name: pulumi.Output<string>;
    readonly routes: pulumi.Output<outputs.NetworkRoute[] | undefined>;
    readonly xml: pulumi.Output<outputs.NetworkXml | undefined>;
    /**
     * Create a Network resource with the given unique name, arguments, and options.
     *
     * @param name The _unique_ name of the resource.
     * @param args The arguments to use to populate this resource's properties.
     * @param opts A bag of options that control this resource's behavior.
     */
    constructor(name: string, args?: NetworkArgs, opts?: pulumi.CustomResourceOptions);
}
/**
 * Input properties used for looking up and filtering Network resources.
 */
export interface NetworkState {
    addresses?: pulumi.Input<pulumi.Input<string>[]>;
    autostart?: pulumi.Input<boolean>;
    bridge?: pulumi.Input<string>;
    dhcp?: pulumi.Input<inputs.NetworkDhcp>;
    dns?: pulumi.Input<inputs.NetworkDns>;
    dnsmasqOptions?: pulumi.Input<inputs.NetworkDnsmasqOptions>;
    domain?: pulumi.Input<string>;
    mode?: pulumi.Input<string>;
    mtu?: pulumi.Input<number>;
    name?: pulumi.Input<string>;
    routes?: pulumi.Input<pulumi.Input<inputs.NetworkRoute>[]>;
    xml?: pulumi.Input<inputs.NetworkXml>;
}
/**
 * The set of arguments for constructing a Network resource.
 */
export interface NetworkArgs {
    addresses?: pulumi.Input<pulumi.Input<string>[]>;
    autostart?: pulumi.Input<boolean>;
    bridge?: pulumi.Input<string>;
    dhcp?: pulumi.Input<inputs.NetworkDhcp>;
    dns?: pulumi.Input<inputs.NetworkDns>;
    dnsmasqOptions?: pulumi.Input<inputs.NetworkDnsmasqOptions>;
    domain?: pulumi.Input<string>;
    mode?: pulumi.Input<string>;
    mtu?: pulumi.Input<number>;
    name?: pulumi.Input<string>;
    routes?: pulumi.Input<pulumi.Input<inputs.NetworkRoute>[]>;
    xml?: pulumi.Input<inputs.NetworkXml>;
}
