package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/reports/sweep"
)

const mergeUsage = `usage: vrrpsim merge OUT.csv SHARD...
       vrrpsim merge --out DIR SHARD...

Joins the runs.csv of the shards of one sweep ('vrrpsim sweep --shard I/N')
into one runs.csv in grid order. A SHARD is a shard's output directory or
its runs.csv. The shards must have the same header, no run twice and no
gap; when their sweep.json files are there, the merge also checks they
come from the same sweep and that no shard is missing at the end.

With --out DIR, writes DIR/runs.csv, runs.json, summary.csv, sweep.json
and the summary plots, as an unsharded sweep would have.

flags:
`

func cmdMerge(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("merge", stdout, mergeUsage)
	out := fs.String("out", "", "write runs.csv, runs.json, summary.csv and plots into this directory")
	pf := addPlotFlags(fs, "with --out: write no plots")
	quiet := fs.BoolP("quiet", "q", false, "print nothing but errors")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	shards := fs.Args()
	outCSV := ""
	if *out == "" {
		if len(shards) < 2 {
			return usagef("merge: want OUT.csv SHARD... or --out DIR SHARD...")
		}
		outCSV, shards = shards[0], shards[1:]
	}
	if len(shards) == 0 {
		return usagef("merge: no shards given; want the runs.csv files or output directories of 'vrrpsim sweep --shard'")
	}
	opts, err := pf.options()
	if err != nil {
		return err
	}

	// Open the shards and read their sweep.json, if any.
	var readers []io.Reader
	var names []string
	var metas []sweep.Meta
	var metaNames []string
	for _, s := range shards {
		path := s
		if st, err := os.Stat(s); err == nil && st.IsDir() {
			path = filepath.Join(s, "runs.csv")
		}
		f, err := reports.OpenInput(path)
		if err != nil {
			return inputError{fmt.Errorf("merge: %v", err)}
		}
		defer f.Close()
		readers = append(readers, f)
		names = append(names, path)
		if filepath.Base(path) == "runs.csv" {
			mp := filepath.Join(filepath.Dir(path), sweep.MetaFile)
			m, err := sweep.ReadMeta(mp)
			switch {
			case err == nil:
				if len(metas) > 0 && !metas[0].SameSweep(m) {
					return inputError{fmt.Errorf("merge: %s and %s describe different sweeps; shards must come from the same sweep command", metaNames[0], mp)}
				}
				metas = append(metas, m)
				metaNames = append(metaNames, mp)
			case !errors.Is(err, os.ErrNotExist):
				return inputError{fmt.Errorf("merge: %v", err)}
			}
		}
	}

	var merged sweep.Meta
	if len(metas) > 0 {
		merged = metas[0]
		merged.Shard, merged.First = "", 0
		opts.Title = merged.Scenario
	}
	var h sweep.Header
	var agg *sweep.Aggregator
	var w *sweep.Writer
	n := 0
	doMerge := func(csvOut, jsonOut io.Writer) error {
		err := sweep.Merge(readers, names,
			func(hh sweep.Header) error {
				h = hh
				agg = sweep.NewAggregator(h, opts.CDF)
				var err error
				w, err = sweep.NewWriter(csvOut, jsonOut, h)
				return err
			},
			func(row []string) error {
				n++
				if err := w.Write(row); err != nil {
					return err
				}
				return agg.Add(row)
			})
		if err != nil {
			return inputError{err}
		}
		if len(metas) > 0 && n != merged.GridRuns {
			return inputError{fmt.Errorf("merge: the shards hold runs 0..%d of a grid of %d runs (per %s); runs %d..%d are missing: is a shard missing?", n-1, merged.GridRuns, metaNames[0], n, merged.GridRuns-1)}
		}
		return w.Close()
	}

	if outCSV != "" {
		if err := reports.WriteFileAtomic(outCSV, func(cw io.Writer) error { return doMerge(cw, nil) }); err != nil {
			return unwrapInput(err)
		}
		if !*quiet {
			fmt.Fprintf(stdout, "merge: %d runs from %d shards -> %s\n", n, len(shards), outCSV)
		}
		return nil
	}

	if err := os.MkdirAll(*out, 0o755); err != nil {
		return usagef("--out: %v", err)
	}
	err = reports.WriteFileAtomic(filepath.Join(*out, "runs.csv"), func(cw io.Writer) error {
		return reports.WriteFileAtomic(filepath.Join(*out, "runs.json"), func(jw io.Writer) error { return doMerge(cw, jw) })
	})
	if err != nil {
		return unwrapInput(err)
	}
	files := []string{"runs.csv", "runs.json"}
	if len(metas) > 0 {
		merged.Last = n
		if err := reports.WriteFileAtomic(filepath.Join(*out, sweep.MetaFile), merged.WriteJSON); err != nil {
			return err
		}
		files = append(files, sweep.MetaFile)
	}
	more, err := writeSummary(agg.Summary(), *out, !*pf.noPlots, opts)
	files = append(files, more...)
	if err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(stdout, "merge: %d runs from %d shards -> %s: %s\n", n, len(shards), *out, strings.Join(files, " "))
	}
	return nil
}

// unwrapInput returns the inputError inside a WriteFileAtomic error, so a
// bad shard prints as one line without the "writing OUT" prefix.
func unwrapInput(err error) error {
	var ie inputError
	if errors.As(err, &ie) {
		return ie
	}
	return err
}
