//go:build gen

package main

import (
	"encoding/json"
	"os"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
)

func init() {
	genSchema = func(info tfbridge.ProviderInfo, out string) error {
		if err := info.P.InternalValidate(); err != nil {
			return err
		}
		sink := diag.DefaultSink(os.Stderr, os.Stderr, diag.FormatOptions{Color: colors.Never})
		res, err := tfgen.GenerateSchemaWithOptions(tfgen.GenerateSchemaOptions{
			ProviderInfo:    info,
			DiagnosticsSink: sink,
			XInMemoryDocs:   true,
		})
		if err != nil {
			return err
		}
		b, err := json.MarshalIndent(res.PackageSpec, "", "    ")
		if err != nil {
			return err
		}
		return os.WriteFile(out, append(b, '\n'), 0o644)
	}
}
