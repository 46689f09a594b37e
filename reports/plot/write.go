package plot

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vrrpsim/vrrpsim/reports"
)

// Set is every plot of one run.
type Set struct {
	Title   string // the scenario name, shown in each plot's title
	State   StateData
	ARP     ARPData
	Traffic TrafficData
	LB      *LBData     // nil: the run had no load balancing
	Health  *HealthData // nil: no real server was health-checked
}

// FromRun derives every plot's series from a report and the collector
// that made it.
func FromRun(r *reports.Report, c *reports.Collector) Set {
	return Set{Title: r.Scenario, State: State(r), ARP: ARP(r, c), Traffic: Traffic(r, c), LB: LB(r, c), Health: Health(r)}
}

// Titles of the three plots.
func (s Set) stateTitle() string   { return join(s.Title, "VRRP state timeline") }
func (s Set) arpTitle() string     { return join(s.Title, "ARP and FDB convergence") }
func (s Set) trafficTitle() string { return s.Title }

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + ": " + b
}

// Image is one rendered plot.
type Image struct {
	Name string // "state", "arp", "traffic"
	Data []byte
}

// Render draws the three plots in format.
func (s Set) Render(format Format, dpi int) ([]Image, error) {
	var out []Image
	type job struct {
		name   string
		render func() ([]byte, error)
	}
	jobs := []job{
		{"state", func() ([]byte, error) { return s.State.Render(s.stateTitle(), format, dpi) }},
		{"arp", func() ([]byte, error) { return s.ARP.Render(s.arpTitle(), format, dpi) }},
		{"traffic", func() ([]byte, error) { return s.Traffic.Render(s.trafficTitle(), format, dpi) }},
	}
	if s.LB != nil {
		jobs = append(jobs,
			job{"load", func() ([]byte, error) {
				return s.LB.RenderLoad(join(s.Title, "new connections per real server"), format, dpi)
			}},
			job{"latency", func() ([]byte, error) {
				return s.LB.RenderLatency(join(s.Title, "connection latency CDF"), format, dpi)
			}})
	}
	if s.Health != nil {
		jobs = append(jobs, job{"health", func() ([]byte, error) {
			return s.Health.Render(join(s.Title, "health checks and the IPVS table"), format, dpi)
		}})
	}
	for _, p := range jobs {
		b, err := p.render()
		if err != nil {
			return nil, fmt.Errorf("%s plot: %w", p.name, err)
		}
		out = append(out, Image{Name: p.name, Data: b})
	}
	return out, nil
}

// WriteDir writes state, arp and traffic images in format into dir
// (created if missing) and the plotted series next to them as state.csv,
// arp.csv and traffic.csv. Each file is written whole or not at all. It
// returns the paths written, in order.
func (s Set) WriteDir(dir string, format Format, dpi int) ([]string, error) {
	imgs, err := s.Render(format, dpi)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	for _, im := range imgs {
		path, err := reports.FileInDir(dir, im.Name+"."+string(format))
		if err != nil {
			return written, err
		}
		if err := reports.WriteFileAtomic(path, func(w io.Writer) error { return writeAll(w, im.Data) }); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	type csvFile struct {
		name  string
		write func(io.Writer) error
	}
	csvs := []csvFile{
		{"state.csv", s.State.WriteCSV},
		{"arp.csv", s.ARP.WriteCSV},
		{"traffic.csv", s.Traffic.WriteCSV},
	}
	if s.LB != nil {
		csvs = append(csvs, csvFile{"load.csv", s.LB.WriteLoadCSV}, csvFile{"latency.csv", s.LB.WriteLatencyCSV})
	}
	if s.Health != nil {
		csvs = append(csvs, csvFile{"health.csv", s.Health.WriteCSV})
	}
	for _, f := range csvs {
		path := filepath.Join(dir, f.name)
		if err := reports.WriteFileAtomic(path, f.write); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	return written, nil
}
