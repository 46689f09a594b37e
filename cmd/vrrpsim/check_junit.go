package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit XML as CI systems read it (Jenkins, GitLab, GitHub test-report
// actions): testsuites > testsuite (one per scenario file) > testcase (one
// per expectation), a <failure> for an expectation that did not hold and
// an <error> for a scenario that could not be loaded or built. There is no
// time attribute: a wall-clock duration would make the file differ from
// run to run, and the runs take milliseconds anyway.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	File       string          `xml:"file,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// junitReport builds the XML document of a check, in input order.
func junitReport(results []checkResult) junitSuites {
	doc := junitSuites{Name: "vrrpsim check", Suites: []junitSuite{}}
	for i := range results {
		r := &results[i]
		s := junitSuite{Name: r.path, File: r.path}
		if len(r.errs) > 0 {
			s.Tests, s.Errors = 1, 1
			s.Cases = []junitCase{{
				Name: "load and build", Classname: r.path, File: r.path,
				Error: &junitProblem{Message: r.errs[0], Type: "invalid scenario", Text: strings.Join(r.errs, "\n")},
			}}
		} else {
			s.Properties = []junitProperty{{Name: "scenario", Value: r.scenario}, {Name: "seed", Value: fmt.Sprint(r.seed)}}
			for _, x := range r.exps {
				c := junitCase{
					// The line keeps names unique when two
					// expectations read the same.
					Name:      fmt.Sprintf("line %d: %s", x.Line, x.Text),
					Classname: r.scenario, File: r.path, Line: x.Line,
				}
				if !x.OK {
					s.Failures++
					c.Failure = &junitProblem{Message: x.Detail, Type: "expectation",
						Text: fmt.Sprintf("%s: %s: %s: %s", expPos(r.path, x), r.scenario, x.Text, x.Detail)}
				}
				s.Tests++
				s.Cases = append(s.Cases, c)
			}
		}
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Suites = append(doc.Suites, s)
	}
	return doc
}

// writeJUnit writes the JUnit XML of a check to w.
func writeJUnit(w io.Writer, results []checkResult) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitReport(results)); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
