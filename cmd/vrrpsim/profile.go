package main

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/pprof"
	"strings"

	"github.com/spf13/pflag"

	"github.com/vrrpsim/vrrpsim/reports"
)

// --profile cpu|mem FILE (issue 14): a Go runtime/pprof profile of the
// command, so a user can attach one to a performance report. It lives in
// the CLI only; the model never knows it is profiled.

// profileUsage is the help text of the flag.
const profileUsage = "cpu|mem FILE: write a runtime/pprof profile of the command to FILE (go tool pprof FILE); also --profile=cpu:FILE"

// addProfileFlag declares --profile for the help text only: profiled
// takes every form of it out of the arguments before pflag sees them,
// since pflag takes one value per flag and the flag has two words.
func addProfileFlag(fs *pflag.FlagSet) {
	fs.String("profile", "", profileUsage)
}

// cutProfile removes the profile flag from args ("--profile KIND FILE",
// "--profile KIND:FILE" or "--profile=KIND:FILE") and returns the other
// arguments and "KIND:FILE" ("" if absent).
func cutProfile(args []string) ([]string, string, error) {
	for i, a := range args {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--profile="); ok {
			return without(args, i, 1), v, nil
		}
		if a != "--profile" {
			continue
		}
		if i+1 < len(args) && strings.Contains(args[i+1], ":") {
			return without(args, i, 2), args[i+1], nil
		}
		if i+2 >= len(args) || strings.HasPrefix(args[i+1], "-") || strings.HasPrefix(args[i+2], "-") {
			return nil, "", usagef("--profile: want cpu|mem FILE, e.g. --profile cpu run.pprof")
		}
		return without(args, i, 3), args[i+1] + ":" + args[i+2], nil
	}
	return args, "", nil
}

// without returns a copy of args without the n arguments from i.
func without(args []string, i, n int) []string {
	return append(append([]string(nil), args[:i]...), args[i+n:]...)
}

// profiler is a running profile; stop ends it and writes the file.
type profiler struct {
	kind string
	f    *reports.Output // written whole or not at all, like every output
}

// startProfile starts the profile spec names ("cpu:FILE" or "mem:FILE";
// "" profiles nothing and returns nil).
func startProfile(spec string) (*profiler, error) {
	if spec == "" {
		return nil, nil
	}
	kind, file, ok := strings.Cut(spec, ":")
	if !ok || file == "" || (kind != "cpu" && kind != "mem") {
		return nil, usagef("--profile %q: want cpu|mem FILE, e.g. --profile cpu run.pprof", strings.Replace(spec, ":", " ", 1))
	}
	f, err := reports.CreateOutput(file)
	if err != nil {
		return nil, usagef("--profile: %v", err)
	}
	p := &profiler{kind: kind, f: f}
	if kind == "cpu" {
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Abort()
			return nil, usagef("--profile cpu: %v", err)
		}
	}
	return p, nil
}

// stop ends the profile and, if keep, finishes its file; otherwise the
// file goes as if never written. A mem profile is the "allocs" profile
// (every allocation since the start, and what is still in use after a
// GC), written at the end.
func (p *profiler) stop(keep bool) error {
	if p == nil {
		return nil
	}
	if p.kind == "cpu" {
		pprof.StopCPUProfile()
	}
	if !keep {
		p.f.Abort()
		return nil
	}
	var err error
	if p.kind == "mem" {
		runtime.GC()
		err = pprof.Lookup("allocs").WriteTo(p.f, 0)
	}
	if err != nil {
		p.f.Abort()
	} else {
		err = p.f.Commit()
	}
	if err != nil {
		return fmt.Errorf("--profile %s: %w", p.kind, err)
	}
	return nil
}

// profiled runs fn under the profile that args ask for, with the
// profile flag taken out of the arguments fn parses.
func profiled(args []string, fn func(args []string) error) error {
	args, spec, err := cutProfile(args)
	if err != nil {
		return err
	}
	p, err := startProfile(spec)
	if err != nil {
		return err
	}
	err = fn(args)
	// A command that did its work keeps its profile, expectations failed
	// or not; one that stopped on bad usage or input, or was interrupted,
	// leaves no file behind, like its other outputs.
	var fe *failedError
	if serr := p.stop(err == nil || errors.As(err, &fe)); err == nil {
		err = serr
	}
	return err
}
