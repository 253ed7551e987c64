// Command pulumi-resource-libvirt bridges terraform-provider-libvirt
// (github.com/dmacvicar/terraform-provider-libvirt) as the Pulumi resource
// provider "libvirt", mirroring the token layout of pulumi-libvirt 0.5.4.
//
// Normal mode:   pulumi-resource-libvirt            (serves the provider over gRPC)
// Schema mode:   pulumi-resource-libvirt -gen-schema OUT.json
//
//	(only available when built with -tags gen; see gen.go)
package main

import (
	_ "embed"
	"fmt"
	"os"

	"github.com/dmacvicar/terraform-provider-libvirt/libvirt"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
)

const (
	pkgName    = "libvirt"
	pkgVersion = "0.5.4"
	mainMod    = "index"
)

// schema.json is produced by the "-gen-schema" mode (build tag "gen") and then
// embedded into the provider binary on the second build step.
//
//go:embed schema.json
var pulumiSchema []byte

// genSchema is set by gen.go when built with -tags gen.
var genSchema func(info tfbridge.ProviderInfo, out string) error

// providerInfo describes the mapping from Terraform names to Pulumi tokens.
func providerInfo() tfbridge.ProviderInfo {
	p := shimv2.NewProvider(libvirt.Provider())
	info := tfbridge.ProviderInfo{
		P:                 p,
		Name:              pkgName,
		Version:           pkgVersion,
		DisplayName:       "libvirt",
		Publisher:         "Pulumi",
		Description:       "A Pulumi package for creating and managing libvirt cloud resources.",
		Keywords:          []string{"pulumi", "libvirt"},
		License:           "Apache-2.0",
		Homepage:          "https://pulumi.io",
		Repository:        "https://github.com/pulumi/pulumi-libvirt",
		GitHubOrg:         "dmacvicar",
		TFProviderVersion: "0.8.1",
		TFProviderLicense: func() *tfbridge.TFProviderLicense { l := tfbridge.MITLicenseType; return &l }(),
		Config:            map[string]*tfbridge.SchemaInfo{},
		Resources: map[string]*tfbridge.ResourceInfo{
			"libvirt_domain":         {Tok: tfbridge.MakeResource(pkgName, mainMod, "Domain")},
			"libvirt_network":        {Tok: tfbridge.MakeResource(pkgName, mainMod, "Network")},
			"libvirt_pool":           {Tok: tfbridge.MakeResource(pkgName, mainMod, "Pool")},
			"libvirt_volume":         {Tok: tfbridge.MakeResource(pkgName, mainMod, "Volume")},
			"libvirt_cloudinit_disk": {Tok: tfbridge.MakeResource(pkgName, mainMod, "CloudInitDisk")},
			"libvirt_ignition":       {Tok: tfbridge.MakeResource(pkgName, mainMod, "Ignition")},
			"libvirt_combustion":     {Tok: tfbridge.MakeResource(pkgName, mainMod, "Combustion")},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"libvirt_network_dns_host_template":        {Tok: tfbridge.MakeDataSource(pkgName, mainMod, "getNetworkDnsHostTemplate")},
			"libvirt_network_dns_srv_template":         {Tok: tfbridge.MakeDataSource(pkgName, mainMod, "getNetworkDnsSrvTemplate")},
			"libvirt_network_dnsmasq_options_template": {Tok: tfbridge.MakeDataSource(pkgName, mainMod, "getNetworkDnsmasqOptionsTemplate")},
			"libvirt_node_info":                        {Tok: tfbridge.MakeDataSource(pkgName, mainMod, "getNodeInfo")},
			"libvirt_node_device_info":                 {Tok: tfbridge.MakeDataSource(pkgName, mainMod, "getNodeDeviceInfo")},
			"libvirt_node_devices":                     {Tok: tfbridge.MakeDataSource(pkgName, mainMod, "getNodeDevices")},
		},
		Golang: &tfbridge.GolangInfo{
			ImportBasePath:                 "github.com/pulumi/pulumi-libvirt/sdk/go/libvirt",
			GenerateResourceContainerTypes: true,
		},
	}
	// Like the official provider: "name" inputs become optional and are
	// auto-named (<urn-name>-<random suffix>) when not set.
	info.SetAutonaming(255, "-")
	return info
}

func main() {
	info := providerInfo()
	if len(os.Args) >= 2 && os.Args[1] == "-gen-schema" {
		if genSchema == nil {
			fmt.Fprintln(os.Stderr, "schema generation not compiled in; rebuild with -tags gen")
			os.Exit(2)
		}
		out := "schema.json"
		if len(os.Args) >= 3 {
			out = os.Args[2]
		}
		if err := genSchema(info, out); err != nil {
			fmt.Fprintln(os.Stderr, "gen-schema:", err)
			os.Exit(1)
		}
		return
	}
	defer libvirt.CleanupLibvirtConnections()
	tfbridge.Main(pkgName, pkgVersion, info, pulumiSchema)
}
