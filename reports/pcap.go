package reports

import (
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/vrrpsim/vrrpsim/sim"
)

// PcapEpoch is the wall-clock instant virtual time zero maps to in pcaps
// when the caller has no better idea: fixed, so the same run gives the same
// file bytes.
var PcapEpoch = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// pcapSnaplen is the largest frame kept whole; longer ones are truncated
// as a capture would.
const pcapSnaplen = 65535

// PcapWriter writes every frame of a run to a nanosecond-resolution pcap
// file (gopacket's pure-Go pcapgo), stamped epoch + virtual time.
type PcapWriter struct {
	w     *pcapgo.Writer
	epoch time.Time
	err   error
}

// NewPcapWriter writes the file header to w and returns a writer whose
// Trace method (a sim.Tracer) appends each KindFrame record.
func NewPcapWriter(w io.Writer, epoch time.Time) (*PcapWriter, error) {
	pw := pcapgo.NewWriterNanos(w)
	if err := pw.WriteFileHeader(pcapSnaplen, layers.LinkTypeEthernet); err != nil {
		return nil, fmt.Errorf("reports: writing pcap header: %w", err)
	}
	return &PcapWriter{w: pw, epoch: epoch}, nil
}

// Trace writes r if it is a frame. After the first write error it writes
// nothing more; Err reports that error.
func (p *PcapWriter) Trace(r *sim.Record) {
	if r.Kind != sim.KindFrame || p.err != nil {
		return
	}
	data := r.Frame
	if len(data) > pcapSnaplen {
		data = data[:pcapSnaplen]
	}
	ci := gopacket.CaptureInfo{Timestamp: p.epoch.Add(time.Duration(r.At)), CaptureLength: len(data), Length: len(r.Frame)}
	if err := p.w.WritePacket(ci, data); err != nil {
		p.err = fmt.Errorf("reports: writing pcap packet at %s: %w", r.At, err)
	}
}

// Err returns the first write error, if any.
func (p *PcapWriter) Err() error { return p.err }
