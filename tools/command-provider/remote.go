package main

import (
	"context"

	"github.com/pulumi/pulumi-go-provider/infer"
)

// RemoteCommand is `command:remote:Command`: a command run over SSH.
type RemoteCommand struct{}

// RemoteCommandArgs are the remote command's inputs.
type RemoteCommandArgs struct {
	CommandArgs
	Connection Connection `pulumi:"connection"`
}

// Annotate documents the connection.
func (a *RemoteCommandArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.Connection, "How to reach the host; secret as a whole.")
}

// RemoteCommandState is the remote command's state: its inputs and the last run's outputs.
type RemoteCommandState struct {
	RemoteCommandArgs
	CommandOutputs
}

// Annotate names the resource's token.
func (*RemoteCommand) Annotate(an infer.Annotator) {
	an.SetToken("remote", "Command")
	an.Describe(&RemoteCommand{}, "A command run on a remote host over SSH.")
}

func (*RemoteCommand) lifecycle(args RemoteCommandArgs) lifecycle {
	return lifecycle{args: args.CommandArgs, exec: func(ctx context.Context, r run) (CommandOutputs, error) {
		return execute(ctx, sshRunner(args.Connection), r)
	}}
}

// Create runs `create`.
func (c *RemoteCommand) Create(ctx context.Context, req infer.CreateRequest[RemoteCommandArgs]) (infer.CreateResponse[RemoteCommandState], error) {
	return created(ctx, req.Name, req.DryRun, c.lifecycle(req.Inputs), func(out CommandOutputs) RemoteCommandState { return RemoteCommandState{req.Inputs, out} })
}

// Update runs `update`, else `create`, with the new connection.
func (c *RemoteCommand) Update(ctx context.Context, req infer.UpdateRequest[RemoteCommandArgs, RemoteCommandState]) (infer.UpdateResponse[RemoteCommandState], error) {
	return updated(ctx, req.DryRun, c.lifecycle(req.Inputs), req.State.CommandOutputs, func(out CommandOutputs) RemoteCommandState { return RemoteCommandState{req.Inputs, out} })
}

// Delete runs the old `delete` against the old connection.
func (c *RemoteCommand) Delete(ctx context.Context, req infer.DeleteRequest[RemoteCommandState]) (infer.DeleteResponse, error) {
	return infer.DeleteResponse{}, c.lifecycle(req.State.RemoteCommandArgs).onDelete(ctx, req.State.CommandOutputs)
}

// Read is a no-op: a command has nothing to read back, and a refresh never dials.
func (*RemoteCommand) Read(_ context.Context, req infer.ReadRequest[RemoteCommandArgs, RemoteCommandState]) (infer.ReadResponse[RemoteCommandArgs, RemoteCommandState], error) {
	return infer.ReadResponse[RemoteCommandArgs, RemoteCommandState]{ID: req.ID, Inputs: req.Inputs, State: req.State}, nil
}
