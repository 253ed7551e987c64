import * as pulumi from "@pulumi/pulumi";
import * as inputs from "./types/input";
import * as outputs from "./types/output";
export declare class Domain extends pulumi.CustomResource {
    /**
     * Get an existing Domain resource's state with the given name, ID, and optional extra
     * properties used to qualify the lookup.
     *
     * @param name The _unique_ name of the resulting resource.
     * @param id The _unique_ provider ID of the resource to lookup.
     * @param state Any extra arguments used during the lookup.
     * @param opts Optional settings to control the behavior of the CustomResource.
     */
    static get(name: string, id: pulumi.Input<pulumi.ID>, state?: DomainState, opts?: pulumi.CustomResourceOptions): Domain;
    /**
     * Returns true if the given object is an instance of Domain.  This is designed to work even
     * when multiple copies of the Pulumi SDK have been loaded into the same process.
     */
    static isInstance(obj: any): obj is Domain;
    readonly arch: pulumi.Output<string>;
    readonly autostart: pulumi.Output<boolean>;
    readonly bootDevices: pulumi.Output<outputs.DomainBootDevice[] | undefined>;
    readonly cloudinit: pulumi.Output<string | undefined>;
    readonly cmdlines: pulumi.Output<{
        [key: string]: string;
    }[] | undefined>;
    readonly consoles: pulumi.Output<outputs.DomainConsole[] | undefined>;
    readonly coreosIgnition: pulumi.Output<string | undefined>;
    readonly cpu: pulumi.Output<outputs.DomainCpu>;
    readonly description: pulumi.Output<string | undefined>;
    readonly disks: pulumi.Output<outputs.DomainDisk[] | undefined>;
    readonly emulator: pulumi.Output<string>;
    readonly filesystems: pulumi.Output<outputs.DomainFilesystem[] | undefined>;
    readonly firmware: pulumi.Output<string | undefined>;
    readonly fwCfgName: pulumi.Output<string | undefined>;
    readonly graphics: pulumi.Output<outputs.DomainGraphics | undefined>;
    readonly initrd: pulumi.Output<string | undefined>;
    readonly kernel: pulumi.Output<string | undefined>;
    readonly machine: pulumi.Output<string>;
    readonly memory: pulumi.Output<number | undefined>;
    readonly metadata: pulumi.Output<string | undefined>;
    readonly name: pulumi.Output<string>;
    readonly networkInterfaces: pulumi.Output<outputs.DomainNetworkInterface[] | undefined>;
    readonly nvram: pulumi.Output<outputs.DomainNvram>;
    readonly qemuAgent: pulumi.Output<boolean | undefined>;
    readonly running: pulumi.Output<boolean | undefined>;
    readonly tpm: pulumi.Output<outputs.DomainTpm | undefined>;
    readonly type: pulumi.Output<string | undefined>;
    readonly vcpu: pulumi.Output<number | undefined>;
    readonly video: pulumi.Output<outputs.DomainVideo | undefined>;
    readonly xml: pulumi.Output<outputs.DomainXml | undefined>;
    /**
     * Create a Domain resource with the given unique name, arguments, and options.
     *
     * @param name The _unique_ name of the resource.
     * @param args The arguments to use to populate this resource's properties.
     * @param opts A bag of options that control this resource's behavior.
     */
    constructor(name: string, args?: DomainArgs, opts?: pulumi.CustomResourceOptions);
}
/**
 * Input properties used for looking up and filtering Domain resources.
 */
export interface DomainState {
    arch?: pulumi.Input<string>;
    autostart?: pulumi.Input<boolean>;
    bootDevices?: pulumi.Input<pulumi.Input<inputs.DomainBootDevice>[]>;
    cloudinit?: pulumi.Input<string>;
    cmdlines?: pulumi.Input<pulumi.Input<{
        [key: string]: pulumi.Input<string>;
    }>[]>;
    consoles?: pulumi.Input<pulumi.Input<inputs.DomainConsole>[]>;
    coreosIgnition?: pulumi.Input<string>;
    cpu?: pulumi.Input<inputs.DomainCpu>;
    description?: pulumi.Input<string>;
    disks?: pulumi.Input<pulumi.Input<inputs.DomainDisk>[]>;
    emulator?: pulumi.Input<string>;
    filesystems?: pulumi.Input<pulumi.Input<inputs.DomainFilesystem>[]>;
    firmware?: pulumi.Input<string>;
    fwCfgName?: pulumi.Input<string>;
    graphics?: pulumi.Input<inputs.DomainGraphics>;
    initrd?: pulumi.Input<string>;
    kernel?: pulumi.Input<string>;
    machine?: pulumi.Input<string>;
    memory?: pulumi.Input<number>;
    metadata?: pulumi.Input<string>;
    name?: pulumi.Input<string>;
    networkInterfaces?: pulumi.Input<pulumi.Input<inputs.DomainNetworkInterface>[]>;
    nvram?: pulumi.Input<inputs.DomainNvram>;
    qemuAgent?: pulumi.Input<boolean>;
    running?: pulumi.Input<boolean>;
    tpm?: pulumi.Input<inputs.DomainTpm>;
    type?: pulumi.Input<string>;
    vcpu?: pulumi.Input<number>;
    video?: pulumi.Input<inputs.DomainVideo>;
    xml?: pulumi.Input<inputs.DomainXml>;
}
/**
 * The set of arguments for constructing a Domain resource.
 */
export interface DomainArgs {
    arch?: pulumi.Input<string>;
    autostart?: pulumi.Input<boolean>;
    bootDevices?: pulumi.Input<pulumi.Input<inputs.DomainBootDevice>[]>;
    cloudinit?: pulumi.Input<string>;
    cmdlines?: pulumi.Input<pulumi.Input<{
        [key: string]: pulumi.Input<string>;
    }>[]>;
    consoles?: pulumi.Input<pulumi.Input<inputs.DomainConsole>[]>;
    coreosIgnition?: pulumi.Input<string>;
    cpu?: pulumi.Input<inputs.DomainCpu>;
    description?: pulumi.Input<string>;
    disks?: pulumi.Input<pulumi.Input<inputs.DomainDisk>[]>;
    emulator?: pulumi.Input<string>;
    filesystems?: pulumi.Input<pulumi.Input<inputs.DomainFilesystem>[]>;
    firmware?: pulumi.Input<string>;
    fwCfgName?: pulumi.Input<string>;
    graphics?: pulumi.Input<inputs.DomainGraphics>;
    initrd?: pulumi.Input<string>;
    kernel?: pulumi.Input<string>;
    machine?: pulumi.Input<string>;
    memory?: pulumi.Input<number>;
    metadata?: pulumi.Input<string>;
    name?: pulumi.Input<string>;
    networkInterfaces?: pulumi.Input<pulumi.Input<inputs.DomainNetworkInterface>[]>;
    nvram?: pulumi.Input<inputs.DomainNvram>;
    qemuAgent?: pulumi.Input<boolean>;
    running?: pulumi.Input<boolean>;
    tpm?: pulumi.Input<inputs.DomainTpm>;
    type?: pulumi.Input<string>;
    vcpu?: pulumi.Input<number>;
    video?: pulumi.Input<inputs.DomainVideo>;
    xml?: pulumi.Input<inputs.DomainXml>;
}
