package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The `logging` values: which streams are shown as progress lines while a command runs.
const (
	loggingStdout          = "stdout"
	loggingStderr          = "stderr"
	loggingStdoutAndStderr = "stdoutAndStderr"
	loggingNone            = "none"
)

// The environment variables that carry a command's previous outputs on update and delete.
const (
	previousStdoutEnv = "PULUMI_COMMAND_STDOUT"
	previousStderrEnv = "PULUMI_COMMAND_STDERR"
)

// CommandArgs are the inputs both resources share. Every input is echoed as an output.
type CommandArgs struct {
	Create                 *string           `pulumi:"create,optional"`
	Update                 *string           `pulumi:"update,optional"`
	Delete                 *string           `pulumi:"delete,optional"`
	Triggers               []any             `pulumi:"triggers,optional" provider:"replaceOnChanges"`
	Environment            map[string]string `pulumi:"environment,optional"`
	Stdin                  *string           `pulumi:"stdin,optional"`
	Logging                *string           `pulumi:"logging,optional"`
	AddPreviousOutputInEnv *bool             `pulumi:"addPreviousOutputInEnv,optional"`
}

// Annotate documents the shared inputs in the schema.
func (a *CommandArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.Create, "The command to run on create.")
	an.Describe(&a.Update, "The command to run on update; when unset, `create` runs instead.")
	an.Describe(&a.Delete, "The command to run on delete, with the inputs of the last create or update.")
	an.Describe(&a.Triggers, "Values whose change replaces the resource (create, then the old delete).")
	an.Describe(&a.Environment, "Environment variables set for the command.")
	an.Describe(&a.Stdin, "Passed to the command's standard input when non-empty.")
	an.Describe(&a.Logging, "Which streams are shown while the command runs: stdout, stderr, stdoutAndStderr (default) or none.")
	an.Describe(&a.AddPreviousOutputInEnv, "Pass the previous stdout and stderr as PULUMI_COMMAND_STDOUT and PULUMI_COMMAND_STDERR on update and delete (default true).")
}

// CommandOutputs are what a run leaves in the state besides the echoed inputs.
type CommandOutputs struct {
	Stdout string `pulumi:"stdout"`
	Stderr string `pulumi:"stderr"`
}

// Annotate documents the outputs in the schema.
func (o *CommandOutputs) Annotate(an infer.Annotator) {
	an.Describe(&o.Stdout, "The command's standard output, less one trailing newline.")
	an.Describe(&o.Stderr, "The command's standard error, less one trailing newline.")
}

// run is one command to execute: the text, the environment to add, the standard input and how
// to show its progress. A runner (local or SSH) executes it.
type run struct {
	command string
	env     map[string]string
	stdin   string
	logging string
}

// runner executes a command and streams what it prints into the two writers.
type runner func(ctx context.Context, r run, stdout, stderr io.Writer) error

// newRun builds the run of `command` from the inputs; `previous` are the outputs of the last run,
// passed in the environment on update and delete unless addPreviousOutputInEnv is false.
func newRun(command string, args CommandArgs, previous *CommandOutputs) run {
	env := map[string]string{}
	for k, v := range args.Environment {
		env[k] = v
	}
	if previous != nil && (args.AddPreviousOutputInEnv == nil || *args.AddPreviousOutputInEnv) {
		if previous.Stdout != "" {
			env[previousStdoutEnv] = previous.Stdout
		}
		if previous.Stderr != "" {
			env[previousStderrEnv] = previous.Stderr
		}
	}
	logging := loggingStdoutAndStderr
	if args.Logging != nil && *args.Logging != "" {
		logging = *args.Logging
	}
	stdin := ""
	if args.Stdin != nil {
		stdin = *args.Stdin
	}
	return run{command: command, env: env, stdin: stdin, logging: logging}
}

// execute runs r through the runner, captures stdout and stderr whole (less one trailing
// newline each), and shows lines as progress as `logging` asks. A failure names the command and
// carries everything it printed, whatever `logging` says.
func execute(ctx context.Context, runner runner, r run) (CommandOutputs, error) {
	var stdout, stderr bytes.Buffer
	var combined lockedBuffer
	logger := p.GetLogger(ctx)
	show := func(stream string) func(string) {
		if r.logging == loggingNone || (r.logging == loggingStdout && stream != "stdout") || (r.logging == loggingStderr && stream != "stderr") {
			return func(string) {}
		}
		return logger.InfoStatus
	}
	outLines := &lineWriter{emit: show("stdout")}
	errLines := &lineWriter{emit: show("stderr")}
	err := runner(ctx, r,
		io.MultiWriter(&stdout, &combined, outLines),
		io.MultiWriter(&stderr, &combined, errLines))
	outLines.Flush()
	errLines.Flush()
	if err != nil {
		return CommandOutputs{}, fmt.Errorf("%w: running %q:\n%s", err, r.command, combined.String())
	}
	return CommandOutputs{Stdout: trimOneNewline(stdout.String()), Stderr: trimOneNewline(stderr.String())}, nil
}

func trimOneNewline(s string) string {
	return strings.TrimSuffix(s, "\n")
}

// newID is the resource name and eight random hex digits.
func newID(name string) (string, error) {
	return resource.NewUniqueHex(name, 8, 0)
}

// lockedBuffer interleaves stdout and stderr, which arrive from two goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lineWriter turns a stream into whole lines for the progress display.
type lineWriter struct {
	emit    func(string)
	pending []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.pending = append(w.pending, p...)
	for {
		i := bytes.IndexByte(w.pending, '\n')
		if i < 0 {
			break
		}
		w.emit(string(w.pending[:i]))
		w.pending = w.pending[i+1:]
	}
	return len(p), nil
}

// Flush shows a last line that had no newline.
func (w *lineWriter) Flush() {
	if len(w.pending) > 0 {
		w.emit(string(w.pending))
		w.pending = nil
	}
}

// lifecycle is what create, update and delete share between the two resources: which text runs
// and with which previous outputs. `exec` runs one command with the resource's runner.
type lifecycle struct {
	args CommandArgs
	exec func(ctx context.Context, r run) (CommandOutputs, error)
}

// onCreate runs `create` when set; with no `create` nothing runs and the outputs are empty.
func (l lifecycle) onCreate(ctx context.Context, dryRun bool) (CommandOutputs, error) {
	if dryRun || l.args.Create == nil || *l.args.Create == "" {
		return CommandOutputs{}, nil
	}
	return l.exec(ctx, newRun(*l.args.Create, l.args, nil))
}

// onUpdate runs `update`, else `create`, else nothing (the old outputs are kept).
func (l lifecycle) onUpdate(ctx context.Context, dryRun bool, old CommandOutputs) (CommandOutputs, error) {
	command := ""
	if l.args.Update != nil && *l.args.Update != "" {
		command = *l.args.Update
	} else if l.args.Create != nil {
		command = *l.args.Create
	}
	if dryRun || command == "" {
		return old, nil
	}
	return l.exec(ctx, newRun(command, l.args, &old))
}

// onDelete runs the old `delete` (with the old inputs) when set.
func (l lifecycle) onDelete(ctx context.Context, old CommandOutputs) error {
	if l.args.Delete == nil || *l.args.Delete == "" {
		return nil
	}
	_, err := l.exec(ctx, newRun(*l.args.Delete, l.args, &old))
	return err
}

// created is the response to a create: the outputs of `create`, an id unless previewing, and
// the state built from them.
func created[S any](ctx context.Context, name string, dryRun bool, l lifecycle, state func(CommandOutputs) S) (infer.CreateResponse[S], error) {
	out, err := l.onCreate(ctx, dryRun)
	if err != nil {
		return infer.CreateResponse[S]{}, err
	}
	id := ""
	if !dryRun {
		if id, err = newID(name); err != nil {
			return infer.CreateResponse[S]{}, err
		}
	}
	return infer.CreateResponse[S]{ID: id, Output: state(out)}, nil
}

// updated is the response to an update: the outputs of `update` (else `create`, else the old
// ones) and the state built from them.
func updated[S any](ctx context.Context, dryRun bool, l lifecycle, old CommandOutputs, state func(CommandOutputs) S) (infer.UpdateResponse[S], error) {
	out, err := l.onUpdate(ctx, dryRun, old)
	if err != nil {
		return infer.UpdateResponse[S]{}, err
	}
	return infer.UpdateResponse[S]{Output: state(out)}, nil
}
