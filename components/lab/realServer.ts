import * as pulumi from "@pulumi/pulumi";
import { LabHostArgs, LabHostComponent } from "./host";

/**
 * An LVS real server: the VIP on lo:0 (DR), tunl0 (TUN) or routes via the director (NAT), with
 * the ARP sysctls first, then nginx naming itself and proxying `.jsp` to tomcat.
 */
export class RealServer extends LabHostComponent {
    constructor(name: string, args: LabHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs-lab:index:RealServer", name, args, opts);
        this.registerOutputs(this.hostOutputs());
    }
}
