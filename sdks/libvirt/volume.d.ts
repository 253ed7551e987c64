import * as pulumi from "@pulumi/pulumi";
import * as inputs from "./types/input";
import * as outputs from "./types/output";
export declare class Volume extends pulumi.CustomResource {
    /**
     * Get an existing Volume resource's state with the given name, ID, and optional extra
     * properties used to qualify the lookup.
     *
     * @param name The _unique_ name of the resulting resource.
     * @param id The _unique_ provider ID of the resource to lookup.
     * @param state Any extra arguments used during the lookup.
     * @param opts Optional settings to control the behavior of the CustomResource.
     */
    static get(name: string, id: pulumi.Input<pulumi.ID>, state?: VolumeState, opts?: pulumi.CustomResourceOptions): Volume;
    /**
     * Returns true if the given object is an instance of Volume.  This is designed to work even
     * when multiple copies of the Pulumi SDK have been loaded into the same process.
     */
    static isInstance(obj: any): obj is Volume;
    readonly baseVolumeId: pulumi.Output<string | undefined>;
    readonly baseVolumeName: pulumi.Output<string | undefined>;
    readonly baseVolumePool: pulumi.Output<string | undefined>;
    readonly format: pulumi.Output<string>;
    readonly name: pulumi.Output<string>;
    readonly pool: pulumi.Output<string | undefined>;
    readonly size: pulumi.Output<number>;
    readonly source: pulumi.Output<string | undefined>;
    readonly xml: pulumi.Output<outputs.VolumeXml | undefined>;
    /**
     * Create a Volume resource with the given unique name, arguments, and options.
     *
     * @param name The _unique_ name of the resource.
     * @param args The arguments to use to populate this resource's properties.
     * @param opts A bag of options that control this resource's behavior.
     */
    constructor(name: string, args?: VolumeArgs, opts?: pulumi.CustomResourceOptions);
}
/**
 * Input properties used for looking up and filtering Volume resources.
 */
export interface VolumeState {
    baseVolumeId?: pulumi.Input<string>;
    baseVolumeName?: pulumi.Input<string>;
    baseVolumePool?: pulumi.Input<string>;
    format?: pulumi.Input<string>;
    name?: pulumi.Input<string>;
    pool?: pulumi.Input<string>;
    size?: pulumi.Input<number>;
    source?: pulumi.Input<string>;
    xml?: pulumi.Input<inputs.VolumeXml>;
}
/**
 * The set of arguments for constructing a Volume resource.
 */
export interface VolumeArgs {
    baseVolumeId?: pulumi.Input<string>;
    baseVolumeName?: pulumi.Input<string>;
    baseVolumePool?: pulumi.Input<string>;
    format?: pulumi.Input<string>;
    name?: pulumi.Input<string>;
    pool?: pulumi.Input<string>;
    size?: pulumi.Input<number>;
    source?: pulumi.Input<string>;
    xml?: pulumi.Input<inputs.VolumeXml>;
}
