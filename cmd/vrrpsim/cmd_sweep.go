package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/spf13/pflag"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/reports/sweep"
	"github.com/vrrpsim/vrrpsim/scenarios"
)

const sweepUsage = `usage: vrrpsim sweep SCENARIO --set PATH=V1,V2,... [--set ...] --out DIR [flags]

Runs SCENARIO (a .yaml file or a built-in name) once per point of the grid
made of the --set value lists (cartesian product, first --set varying
slowest) and per seed (--runs N: seeds S..S+N-1, S from --seed or the
scenario), each run an independent simulation, in parallel. Writes into
DIR: runs.csv and runs.json (one row per run, in grid order), summary.csv
(min/median/p95/max per grid point and metric), sweep.json and plots of
each metric against the first --set (<metric>.svg, cdf_<metric>.svg).

  --set nodes.r2.vrrp.VI_1.advert_int=1s,2s,3s       a list
  --set segments.lan.loss=0:0.05:0.01                 start:stop:step, inclusive
  --set nodes.r1.vrrp.VI_1.advert_int,nodes.r2.vrrp.VI_1.advert_int=1s:5s:1s
                                                      several paths, one value each point

--shard I/N runs only slice I (0..N-1) of the grid; join the slices with
'vrrpsim merge'. See docs/sweeps.md.

flags:
`

// sweepConfig is one sweep command, parsed.
type sweepConfig struct {
	scenario string // as given, for sweep.json
	file     string // the scenario's source, for LoadWithOverrides
	data     []byte
	sets     []string
	grid     sweep.Grid
	shard    sweep.Shard
	workers  int
	until    time.Duration
	out      string
	plots    bool
	plotOpts sweep.PlotOptions
	quiet    bool
	// stop is closed when the user interrupts the sweep (SIGINT,
	// SIGTERM): no new run starts and runs.csv/runs.json are not
	// written, so no half sweep is left behind. nil: never.
	stop <-chan struct{}
	// limits bound each run's scenario (--limit).
	limits scenarios.Limits
}

// plotFlags are the summary-plot flags that sweep and merge share.
type plotFlags struct {
	format, cdf, figure, size *string
	noPlots                   *bool
	dpi                       *int
}

func addPlotFlags(fs *pflag.FlagSet, noPlotsHelp string) plotFlags {
	return plotFlags{
		format:  fs.String("format", "svg", "plot formats, comma-separated: svg, png, pdf"),
		cdf:     fs.String("cdf", "detect_s", "metric whose CDF over runs is plotted (\"\" for none)"),
		figure:  fs.String("figure", "", "metrics drawn together into figure.<format>, e.g. detect_s,failover_outage_s"),
		size:    fs.String("plot-size", "16x10", "plot width x height in centimetres"),
		noPlots: fs.Bool("no-plots", false, noPlotsHelp),
		dpi:     fs.Int("dpi", 150, "PNG plot resolution in dots per inch (10..1200)"),
	}
}

func (p plotFlags) options() (sweep.PlotOptions, error) {
	o, err := plotOptions(*p.format, *p.cdf, *p.figure, *p.size)
	if err == nil {
		if *p.dpi < 10 || *p.dpi > 1200 {
			return o, usagef("--dpi %d: want 10..1200", *p.dpi)
		}
		o.DPI = *p.dpi
	}
	return o, err
}

func cmdSweep(args []string, stdout, stderr io.Writer) error {
	// --profile cpu|mem FILE wraps the whole command (profile.go).
	return profiled(args, func(args []string) error { return cmdSweepProfiled(args, stdout, stderr) })
}

func cmdSweepProfiled(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sweep", stdout, sweepUsage)
	var sets []string
	fs.StringArrayVar(&sets, "set", nil, "PATH[,PATH...]=V1,V2,... or =start:stop:step; repeatable")
	runs := fs.Int("runs", 1, "seeds per grid point")
	workers := fs.Int("workers", 0, "parallel runs (default: number of CPUs)")
	out := fs.String("out", "", "output directory (created if missing)")
	shard := fs.String("shard", "", "run only slice I/N of the grid, I in 0..N-1 (e.g. $JOB_COMPLETION_INDEX/4)")
	seed := fs.Uint64("seed", 0, "first seed (default: the scenario's seed)")
	until := fs.String("until", "", "stop every run at this virtual time instead of the scenario's duration")
	pf := addPlotFlags(fs, "write no plots")
	quiet := fs.BoolP("quiet", "q", false, "print nothing but errors")
	limits := addLimitFlag(fs)
	addProfileFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("sweep takes one scenario (a .yaml file or a built-in name), got %d arguments", fs.NArg())
	}
	if len(sets) == 0 {
		return usagef("sweep: at least one --set PATH=V1,V2,... is needed (e.g. --set nodes.r2.vrrp.VI_1.advert_int=1s,2s)")
	}
	if *out == "" {
		return usagef("sweep: --out DIR is needed")
	}
	if *runs < 1 {
		return usagef("--runs %d: want 1 or more", *runs)
	}
	if err := checkWorkers(*workers); err != nil {
		return err
	}
	cfg := sweepConfig{scenario: fs.Arg(0), sets: sets, workers: *workers, out: *out, plots: !*pf.noPlots, quiet: *quiet}
	if cfg.workers == 0 {
		cfg.workers = runtime.NumCPU()
	}
	if *until != "" {
		d, err := parseUntil(*until)
		if err != nil {
			return err
		}
		cfg.until = d
	}
	if *shard != "" {
		s, err := sweep.ParseShard(*shard)
		if err != nil {
			return usagef("%v", err)
		}
		cfg.shard = s
	}
	var err error
	if cfg.limits, err = limitsFrom(*limits); err != nil {
		return err
	}
	if cfg.plotOpts, err = pf.options(); err != nil {
		return err
	}
	if cfg.file, cfg.data, err = scenarioSource(fs.Arg(0)); err != nil {
		return err
	}
	base, err := scenarios.LoadWithLimits(cfg.file, cfg.data, nil, cfg.limits)
	if err != nil {
		return inputError{err}
	}
	cfg.plotOpts.Title = base.Name
	cfg.grid = sweep.Grid{Runs: *runs, Seed: base.Seed}
	if fs.Changed("seed") {
		cfg.grid.Seed = *seed
	}
	seen := map[string]string{}
	for _, s := range sets {
		p, err := sweep.ParseSet(s)
		if err != nil {
			return usagef("%v", err)
		}
		for _, path := range p.Paths {
			if prev, dup := seen[path]; dup {
				return usagef("--set %q: %s is already swept by --set %q", s, path, prev)
			}
			seen[path] = s
		}
		cfg.grid.Params = append(cfg.grid.Params, p)
	}
	if err := cfg.grid.Check(); err != nil {
		return usagef("sweep: %v", err)
	}
	if err := checkGrid(cfg); err != nil {
		return err
	}
	// A sweep can run for hours and streams into temporary files: on
	// Ctrl-C or SIGTERM, stop handing out runs and remove them, instead
	// of dying with .runs.csv.tmp-* files left in DIR.
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	cfg.stop = ctx.Done()
	res, err := runSweep(cfg, stderr)
	if err != nil {
		return err
	}
	if !cfg.quiet {
		fmt.Fprintf(stdout, "sweep: %d runs (%d points x %d seeds", res.runs, cfg.grid.Points(), cfg.grid.Runs)
		if cfg.shard.N > 1 {
			fmt.Fprintf(stdout, ", shard %s of %d grid runs", cfg.shard, cfg.grid.Size())
		}
		fmt.Fprintf(stdout, ") on %d workers -> %s: %s\n", cfg.workers, cfg.out, strings.Join(res.files, " "))
	}
	return nil
}

// plotOptions parses the plot flags shared by sweep and merge.
func plotOptions(format, cdf, figure, size string) (sweep.PlotOptions, error) {
	var o sweep.PlotOptions
	w, h, ok := strings.Cut(size, "x")
	wf, err1 := strconv.ParseFloat(w, 64)
	hf, err2 := strconv.ParseFloat(h, 64)
	// Written so that NaN fails every comparison and is refused.
	if !ok || err1 != nil || err2 != nil || !(wf >= 4 && wf <= 200 && hf >= 3 && hf <= 200) {
		return o, usagef("--plot-size %q: want WIDTHxHEIGHT in centimetres, e.g. 16x10 (at least 4x3)", size)
	}
	o.Width, o.Height = vg.Length(wf)*vg.Centimeter, vg.Length(hf)*vg.Centimeter
	for _, f := range strings.Split(format, ",") {
		switch f = strings.TrimSpace(f); f {
		case "svg", "png", "pdf":
			o.Formats = append(o.Formats, f)
		default:
			return o, usagef("--format %q: valid formats: svg, png, pdf (comma-separated)", f)
		}
	}
	o.CDF = cdf
	if figure != "" {
		o.Figure = strings.Split(figure, ",")
	}
	return o, nil
}

// scenarioSource returns the name and bytes of a scenario file or a
// built-in, so each run can be loaded afresh with its overrides.
func scenarioSource(arg string) (string, []byte, error) {
	if isFileArg(arg) {
		data, err := scenarios.ReadFile(arg, scenarios.DefaultLimits().FileBytes)
		if err != nil {
			return "", nil, inputError{err}
		}
		return arg, data, nil
	}
	file, data, ok := scenarios.BuiltinSource(arg)
	if !ok {
		return "", nil, notScenario(arg)
	}
	return file, data, nil
}

// checkGrid loads the scenario at every grid point before any run starts,
// so a bad path or value fails in a second, not after an hour of runs.
func checkGrid(cfg sweepConfig) error {
	for pt := 0; pt < cfg.grid.Points(); pt++ {
		if _, err := scenarios.LoadWithLimits(cfg.file, cfg.data, cfg.grid.Overrides(pt), cfg.limits); err != nil {
			return inputError{fmt.Errorf("sweep: grid point %d (%s): %s", pt, pointText(cfg.grid, pt), inputError{err})}
		}
	}
	return nil
}

func pointText(g sweep.Grid, pt int) string {
	vals := g.Values(pt)
	parts := make([]string, len(vals))
	for i, p := range g.Params {
		parts[i] = p.Name() + "=" + vals[i]
	}
	return strings.Join(parts, " ")
}

// sweepRun is the outcome of one run, handed from a worker to the writer.
type sweepRun struct {
	i       int
	metrics []sweep.Metric
	err     error
}

// pointScenario is the scenario of the grid point a worker ran last: the
// runs of a point (its seeds) are consecutive, and a run only reads its
// scenario, so each worker parses a point's scenario once, not once per
// seed (issue 14: parsing was 15% of a sweep of master-crash).
type pointScenario struct {
	pt int
	sc *scenarios.Scenario
}

// runOne loads the scenario with the run's overrides (or takes it from
// last, the worker's cache; nil: no cache) and simulates it. Every run has
// its own kernel and world.
func runOne(cfg sweepConfig, i int, last *pointScenario) sweepRun {
	pt, seed := cfg.grid.Run(i)
	sc := (*scenarios.Scenario)(nil)
	if last != nil && last.sc != nil && last.pt == pt {
		sc = last.sc
	} else {
		var err error
		sc, err = scenarios.LoadWithLimits(cfg.file, cfg.data, cfg.grid.Overrides(pt), cfg.limits)
		if err != nil {
			return sweepRun{i: i, err: inputError{fmt.Errorf("sweep: run %d (%s): %s", i, pointText(cfg.grid, pt), inputError{err})}}
		}
		if last != nil {
			*last = pointScenario{pt: pt, sc: sc}
		}
	}
	res, err := simulate(sc, simOptions{seed: seed, seedSet: true, until: cfg.until, budget: runBudget{events: cfg.limits.Events, stop: cfg.stop}, aggregate: true})
	if err != nil {
		return sweepRun{i: i, err: fmt.Errorf("sweep: run %d (%s seed %d): %w", i, pointText(cfg.grid, pt), seed, err)}
	}
	return sweepRun{i: i, metrics: sweep.Metrics(res.report, res.fired)}
}

type sweepOutcome struct {
	runs  int
	files []string
}

// runSweep runs the runs of cfg's shard on cfg.workers goroutines and
// streams their rows, in grid order, into DIR/runs.csv and runs.json; then
// writes summary.csv, the plots and sweep.json.
func runSweep(cfg sweepConfig, stderr io.Writer) (sweepOutcome, error) {
	lo, hi := cfg.shard.Range(cfg.grid.Size())
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return sweepOutcome{}, usagef("--out: %v", err)
	}
	// The header is the metric columns of run 0 of the whole grid, so
	// every shard writes the same header whatever slice it runs.
	first := runOne(cfg, 0, nil)
	if first.err != nil {
		return sweepOutcome{}, first.err
	}
	names := make([]string, len(first.metrics))
	for i, m := range first.metrics {
		names[i] = m.Name
	}
	params := make([]string, len(cfg.grid.Params))
	for i, p := range cfg.grid.Params {
		params[i] = p.Name()
	}
	h := sweep.NewHeader(params, names)
	agg := sweep.NewAggregator(h, cfg.plotOpts.CDF)
	progress := newProgress(stderr, hi-lo, cfg.quiet)
	warned := map[string]bool{}
	emit := func(w *sweep.Writer, r sweepRun) error {
		pt, seed := cfg.grid.Run(r.i)
		row, unknown := h.Row(r.i, pt, cfg.grid.Values(pt), seed, r.metrics)
		for _, u := range unknown {
			if !warned[u] {
				warned[u] = true
				fmt.Fprintf(stderr, "vrrpsim: sweep: run %d has metric %q that run 0 did not have; it is only left out of runs.csv\n", r.i, u)
			}
		}
		if err := w.Write(row); err != nil {
			return err
		}
		progress.step()
		return agg.Add(row)
	}
	dir := cfg.out
	err := reports.WriteFileAtomic(filepath.Join(dir, "runs.csv"), func(csvOut io.Writer) error {
		return reports.WriteFileAtomic(filepath.Join(dir, "runs.json"), func(jsonOut io.Writer) error {
			w, err := sweep.NewWriter(csvOut, jsonOut, h)
			if err != nil {
				return err
			}
			if err := runOrdered(cfg, lo, hi, first, func(r sweepRun) error { return emit(w, r) }); err != nil {
				return err
			}
			return w.Close()
		})
	})
	progress.done()
	if errors.Is(err, errInterrupted) {
		return sweepOutcome{}, errInterrupted // not "writing runs.csv: writing runs.json: ..."
	}
	if err != nil {
		return sweepOutcome{}, err
	}
	files := []string{"runs.csv", "runs.json"}
	meta := sweep.Meta{
		Scenario: cfg.scenario, Sets: cfg.sets, Runs: cfg.grid.Runs, Seed: cfg.grid.Seed,
		Points: cfg.grid.Points(), GridRuns: cfg.grid.Size(), First: lo, Last: hi,
	}
	if cfg.shard.N > 1 {
		meta.Shard = cfg.shard.String()
	}
	if err := reports.WriteFileAtomic(filepath.Join(dir, sweep.MetaFile), meta.WriteJSON); err != nil {
		return sweepOutcome{}, err
	}
	files = append(files, sweep.MetaFile)
	// A shard's summary would describe a slice only: 'vrrpsim merge
	// --out' writes the summary and plots of the joined shards.
	if cfg.shard.N > 1 {
		return sweepOutcome{runs: hi - lo, files: files}, nil
	}
	po := cfg.plotOpts
	po.Stop = cfg.stop
	more, err := writeSummary(agg.Summary(), dir, cfg.plots, po)
	files = append(files, more...)
	return sweepOutcome{runs: hi - lo, files: files}, err
}

// writeSummary writes summary.csv and, if plots, the plots into dir.
func writeSummary(s *sweep.Summary, dir string, plots bool, o sweep.PlotOptions) ([]string, error) {
	if err := reports.WriteFileAtomic(filepath.Join(dir, "summary.csv"), s.WriteCSV); err != nil {
		return nil, err
	}
	files := []string{"summary.csv"}
	if !plots {
		return files, nil
	}
	written, err := s.WritePlots(dir, o)
	if errors.Is(err, sweep.ErrInterrupted) {
		return files, errInterrupted // Ctrl-C while plotting (issue 13)
	}
	if err != nil {
		return files, usagef("%v", err)
	}
	return append(files, written...), nil
}

// sweepBatch is consecutive runs done by one worker: the unit of work
// handed out and of results handed back, so that with short runs the
// writer wakes once a batch, not once a run, and a worker never waits for
// it (issue 14: a worker waited for the writer's next job after each run).
type sweepBatch struct {
	lo   int        // first run
	runs []sweepRun // in run order; ends at the first failed run
}

// maxBatch bounds a batch: at ~1 ms a run, 16 runs make the hand-over
// cost nothing, and a slow run (minutes) holds back at most 15 others.
const maxBatch = 16

// sweepBallast is the size of runOrdered's GC ballast per worker (up to
// maxBallastWorkers), for sweeps of at least ballastRuns runs: with fewer,
// the GC runs a handful of times anyway and the ballast's RSS would be
// most of a small sweep's memory.
//
// Per worker, because when every P runs a worker the GC's mark phase gets
// only its 25% share of the CPUs and stretches (master-crash at 2
// workers: 12-14 ms a collection instead of 1 ms), and the workers run
// with write barriers on meanwhile: with one 16 MB ballast, 2 workers
// cost 10-12% more CPU a run than 1 (1.71x-1.76x wall speed-up); with
// 32 MB, 4-6% (1.82x). Scaled with the workers, the collections per run
// stay as few as the allocation rate grows.
const (
	sweepBallast      = 16 << 20
	ballastRuns       = 256
	maxBallastWorkers = 8
)

// ballastFor is the ballast for a sweep of n runs still to go on workers.
func ballastFor(n, workers int) int {
	if n < ballastRuns {
		return 0
	}
	return sweepBallast * min(max(workers, 1), maxBallastWorkers)
}

// batchSize is the runs per batch for n runs on workers: maxBatch, or
// fewer so that each worker gets about 8 batches to balance the load.
func batchSize(n, workers int) int {
	return max(1, min(maxBatch, n/(8*workers)))
}

// runOrdered runs runs lo..hi-1 on cfg.workers goroutines and calls emit
// for each in run order. Workers take batches of consecutive runs; a
// batch that finishes early waits in a reorder buffer, and no batch is
// handed out more than 2*workers ahead of the next one to emit, so memory
// stays bounded by the workers whatever the grid size. first is run 0,
// already done (used if lo == 0). On an error, the lowest-numbered
// failing run's error is returned once the batches in flight end.
func runOrdered(cfg sweepConfig, lo, hi int, first sweepRun, emit func(sweepRun) error) error {
	next := lo // next run to emit
	if lo == 0 && hi > 0 {
		if err := emit(first); err != nil {
			return err
		}
		next = 1
	}
	if next >= hi {
		return nil
	}
	// A run leaves almost nothing live, so the GC's heap goal stays near
	// its floor (7 MB) and it collects every ~60 runs of master-crash. The
	// ballast (pointer-free and never written: nothing to scan, its pages
	// never touched) lifts the goal by twice its size: 4000 runs, 66
	// collections -> 19, GC CPU 5% -> 1.5%, peak RSS +16 MB however many
	// runs there are (past ballastRuns). Unlike a higher GOGC it adds a
	// constant, not a multiple of a large scenario's heap.
	ballast := make([]byte, ballastFor(hi-next, cfg.workers))
	defer runtime.KeepAlive(ballast)
	size := batchSize(hi-next, cfg.workers)
	window := 2 * cfg.workers // batches handed out ahead of the next run to emit
	// Buffered to the window: a worker finds its next batch queued and
	// leaves its result without waiting for the writer.
	jobs := make(chan int, window)
	results := make(chan sweepBatch, window)
	for w := 0; w < min(cfg.workers, (hi-next+size-1)/size); w++ {
		go func() {
			var last pointScenario // this worker's
			for start := range jobs {
				b := sweepBatch{lo: start, runs: make([]sweepRun, 0, min(size, hi-start))}
				for i := start; i < min(start+size, hi); i++ {
					r := runOne(cfg, i, &last)
					b.runs = append(b.runs, r)
					if r.err != nil {
						break
					}
				}
				results <- b
			}
		}()
	}
	pending := map[int]sweepBatch{} // by first run
	send, inflight := next, 0
	var failed *sweepRun
	var emitErr error
	stop := cfg.stop
	for inflight > 0 || (failed == nil && emitErr == nil && next < hi) {
		var jobCh chan int
		if failed == nil && emitErr == nil && send < hi && send < next+window*size {
			jobCh = jobs
		}
		select {
		case <-stop:
			// Let the batches in flight end (a run stops at once when
			// interrupted, runBudget.run), start no more.
			stop = nil
			if emitErr == nil {
				emitErr = errInterrupted
			}
		case jobCh <- send:
			send += size
			inflight++
		case b := <-results:
			inflight--
			if r := b.runs[len(b.runs)-1]; r.err != nil {
				if failed == nil || r.i < failed.i {
					failed = &r
				}
				continue
			}
			pending[b.lo] = b
			for emitErr == nil {
				pb, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				for _, r := range pb.runs {
					if emitErr = emit(r); emitErr != nil {
						break
					}
				}
				next += len(pb.runs)
			}
		}
	}
	close(jobs)
	if failed != nil {
		return failed.err
	}
	return emitErr
}

// progress draws "sweep: 12/40 runs" on stderr when it is a terminal;
// nothing when piped or in CI, so logs hold no carriage returns.
type progress struct {
	w     io.Writer
	n, of int
}

func newProgress(stderr io.Writer, of int, quiet bool) *progress {
	f, ok := stderr.(*os.File)
	if quiet || !ok {
		return &progress{}
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return &progress{}
	}
	return &progress{w: stderr, of: of}
}

func (p *progress) step() {
	if p.w == nil {
		return
	}
	p.n++
	fmt.Fprintf(p.w, "\rsweep: %d/%d runs", p.n, p.of)
}

func (p *progress) done() {
	if p.w != nil && p.n > 0 {
		fmt.Fprintln(p.w)
	}
}
