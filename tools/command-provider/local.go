package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/pulumi/pulumi-go-provider/infer"
)

// LocalCommand is `command:local:Command`: a command run where the engine runs.
type LocalCommand struct{}

// LocalCommandArgs are the local command's inputs.
type LocalCommandArgs struct {
	CommandArgs
	Interpreter  []string `pulumi:"interpreter,optional"`
	Dir          *string  `pulumi:"dir,optional"`
	AssetPaths   []string `pulumi:"assetPaths,optional"`
	ArchivePaths []string `pulumi:"archivePaths,optional"`
}

// Annotate documents the local-only inputs.
func (a *LocalCommandArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.Interpreter, "The program and arguments the command is passed to as the last argument (default [\"/bin/sh\", \"-c\"]).")
	an.Describe(&a.Dir, "The working directory (default: the provider's, the project directory).")
	an.Describe(&a.AssetPaths, "Accepted for compatibility; assets are not collected by this implementation.")
	an.Describe(&a.ArchivePaths, "Accepted for compatibility; archives are not collected by this implementation.")
}

// LocalCommandState is the local command's state: its inputs and the last run's outputs.
type LocalCommandState struct {
	LocalCommandArgs
	CommandOutputs
}

// Annotate names the resource's token.
func (*LocalCommand) Annotate(an infer.Annotator) {
	an.SetToken("local", "Command")
	an.Describe(&LocalCommand{}, "A command run on the machine that runs the deployment.")
}

func (*LocalCommand) lifecycle(args LocalCommandArgs) lifecycle {
	return lifecycle{args: args.CommandArgs, exec: func(ctx context.Context, r run) (CommandOutputs, error) {
		return execute(ctx, localRunner(args), r)
	}}
}

// Create runs `create`.
func (c *LocalCommand) Create(ctx context.Context, req infer.CreateRequest[LocalCommandArgs]) (infer.CreateResponse[LocalCommandState], error) {
	return created(ctx, req.Name, req.DryRun, c.lifecycle(req.Inputs), func(out CommandOutputs) LocalCommandState { return LocalCommandState{req.Inputs, out} })
}

// Update runs `update`, else `create`.
func (c *LocalCommand) Update(ctx context.Context, req infer.UpdateRequest[LocalCommandArgs, LocalCommandState]) (infer.UpdateResponse[LocalCommandState], error) {
	return updated(ctx, req.DryRun, c.lifecycle(req.Inputs), req.State.CommandOutputs, func(out CommandOutputs) LocalCommandState { return LocalCommandState{req.Inputs, out} })
}

// Delete runs the old `delete`.
func (c *LocalCommand) Delete(ctx context.Context, req infer.DeleteRequest[LocalCommandState]) (infer.DeleteResponse, error) {
	return infer.DeleteResponse{}, c.lifecycle(req.State.LocalCommandArgs).onDelete(ctx, req.State.CommandOutputs)
}

// Read is a no-op: a command has nothing to read back.
func (*LocalCommand) Read(_ context.Context, req infer.ReadRequest[LocalCommandArgs, LocalCommandState]) (infer.ReadResponse[LocalCommandArgs, LocalCommandState], error) {
	return infer.ReadResponse[LocalCommandArgs, LocalCommandState]{ID: req.ID, Inputs: req.Inputs, State: req.State}, nil
}

// localRunner runs a command through the interpreter, in `dir`, with the provider's environment
// plus the run's.
func localRunner(args LocalCommandArgs) runner {
	return func(ctx context.Context, r run, stdout, stderr io.Writer) error {
		interpreter := args.Interpreter
		if len(interpreter) == 0 {
			interpreter = []string{"/bin/sh", "-c"}
		}
		argv := append(append([]string{}, interpreter...), r.command)
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		if args.Dir != nil && *args.Dir != "" {
			if info, err := os.Stat(*args.Dir); err != nil || !info.IsDir() {
				return fmt.Errorf("dir %q is not a directory", *args.Dir)
			}
			cmd.Dir = *args.Dir
		}
		cmd.Env = os.Environ()
		for k, v := range r.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		if r.stdin != "" {
			cmd.Stdin = strings.NewReader(r.stdin)
		}
		cmd.Stdout, cmd.Stderr = stdout, stderr
		return cmd.Run()
	}
}
