// pulumi-resource-command: the lab's own implementation of the `command` plugin's
// `command:local:Command` and `command:remote:Command` (plugin version 1.2.1), for machines where
// the official plugin cannot be had. It speaks the engine's provider protocol through
// pulumi-go-provider's `infer`, which supplies the schema, defaults, secret fields, the diff
// (replace when `triggers` change, update otherwise) and the unknown outputs of a preview.
package main

import (
	"context"
	"fmt"
	"os"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
)

// version is set at build time (-X main.version=1.2.1) to the version the SDK asks for.
var version = "1.2.1"

func main() {
	provider, err := infer.NewProviderBuilder().
		WithDisplayName("command (lvs-lab)").
		WithDescription("Runs commands locally or over SSH as part of a Pulumi deployment.").
		WithResources(
			infer.Resource(&LocalCommand{}),
			infer.Resource(&RemoteCommand{}),
		).
		Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := p.RunProvider(context.Background(), "command", version, provider); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
