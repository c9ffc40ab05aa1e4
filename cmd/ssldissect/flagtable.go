package main

import (
	"bytes"
	"flag"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// The flag table that the man page and the shell completions are made
// from is read at run time from the same two places --help and the parser
// use, never from a copy: the flags registered in parseArgs (the
// flag.FlagSet, reached through options.flags), and the text each
// command's --help prints, whose flag rows give the metavariable, the
// help and the section. Which command takes a flag, and which values an
// enumerated flag takes, are asked of validate itself (probeCommand,
// probeValues), so a flag added to parseArgs and to the help text shows
// up in ssldissect(1) and in the completions with no other edit.

// docCommands are the subcommands that take the capture flags.
var docCommands = []string{"dissect", "audit"}

// flagDoc is one flag of the table.
type flagDoc struct {
	short, long string   // names without dashes; either may be empty
	arg         string   // metavariable (FILE, N, D); "" for a boolean
	section     string   // the --help heading it is listed under
	help        []string // the help lines, as --help prints them
	values      []string // enumeration: the values validate accepts
	isBool      bool
}

// names is the flag's names with their dashes, short first.
func (f *flagDoc) names() []string {
	var n []string
	if f.short != "" {
		n = append(n, "-"+f.short)
	}
	if f.long != "" {
		n = append(n, "--"+f.long)
	}
	return n
}

// summary is the help's first sentence, on one line.
func (f *flagDoc) summary() string {
	return firstSentence(strings.Join(f.help, " "))
}

// repeatable reports whether the flag may be given more than once.
func (f *flagDoc) repeatable() bool {
	return strings.Contains(strings.Join(f.help, " "), "repeatable")
}

// argKind is what the flag's argument names: "file", "dir", "iface",
// "enum" or "" (anything).
func (f *flagDoc) argKind() string {
	switch {
	case f.isBool:
		return ""
	case len(f.values) > 0:
		return "enum"
	case f.arg == "FILE":
		return "file"
	case f.arg == "DIR" || strings.HasSuffix(f.long, "-dir"):
		return "dir"
	case f.arg == "IFACE":
		return "iface"
	}
	return ""
}

// helpDoc is a --help text taken apart.
type helpDoc struct {
	synopsis    []helpLine // the Usage: block's lines
	description []string   // the paragraph after it
	flags       []*flagDoc // every flag row, in order
	examples    []string
	commands    []helpLine // "ssldissect CMD ..." lines outside Usage and Examples
}

// helpLine is a command line with its description.
type helpLine struct{ cmd, desc string }

var (
	sectionRe = regexp.MustCompile(`^([A-Z][^:]*):\s*(.*)$`)
	flagRowRe = regexp.MustCompile(`^\s+(?:-([A-Za-z0-9]))?(?:,\s*)?(?:--([a-z0-9][a-z0-9-]*))?(?: ([A-Z][A-Za-z]*))?\s+(\S.*)$`)
	columnsRe = regexp.MustCompile(`\s{3,}`)
)

// parseHelp takes a --help text apart: the Usage block, the paragraph
// after it, the flag rows (with their continuation lines) under each
// heading, and the Examples.
func parseHelp(text string) *helpDoc {
	h := &helpDoc{}
	section := ""
	var last *flagDoc
	var lastCmd *helpLine
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			last, lastCmd = nil, nil
			if section == "Usage" {
				section = "description"
			}
			continue
		}
		if line[0] != ' ' {
			if m := sectionRe.FindStringSubmatch(line); m != nil && !strings.HasPrefix(line, "ssldissect") {
				section = m[1]
				last, lastCmd = nil, nil
				continue
			}
			if section == "description" || section == "" {
				if section == "" && strings.HasPrefix(line, "ssldissect:") {
					continue // the title line
				}
				h.description = append(h.description, trimmed)
				continue
			}
			section = "text"
			continue
		}
		switch {
		case section == "Examples":
			h.examples = append(h.examples, trimmed)
			continue
		case strings.HasPrefix(trimmed, "ssldissect "):
			hl := splitCommandRow(trimmed)
			if section == "Usage" {
				h.synopsis = append(h.synopsis, hl)
				lastCmd = &h.synopsis[len(h.synopsis)-1]
			} else {
				h.commands = append(h.commands, hl)
				lastCmd = &h.commands[len(h.commands)-1]
			}
			continue
		case lastCmd != nil && !strings.HasPrefix(trimmed, "-"):
			lastCmd.desc += " " + trimmed
			continue
		case strings.HasPrefix(trimmed, "-"):
			if m := flagRowRe.FindStringSubmatch(line); m != nil && (m[1] != "" || m[2] != "") {
				last = &flagDoc{short: m[1], long: m[2], arg: m[3], section: section, help: []string{m[4]}}
				h.flags = append(h.flags, last)
				continue
			}
		}
		if last != nil {
			last.help = append(last.help, trimmed)
		}
	}
	return h
}

// splitCommandRow splits "ssldissect audit     [flags] FILE...   what it
// does" into the command and its description: the last column, when it
// reads as prose.
func splitCommandRow(row string) helpLine {
	cols := columnsRe.Split(row, -1)
	if n := len(cols); n > 1 && cols[n-1] != "" && cols[n-1][0] >= 'a' && cols[n-1][0] <= 'z' {
		return helpLine{cmd: strings.Join(cols[:n-1], " "), desc: cols[n-1]}
	}
	return helpLine{cmd: strings.Join(cols, " ")}
}

// undocumented is the help of the flags that --help has no row for.
var undocumented = map[string]string{
	"help":    "print the usage and exit",
	"version": "print the version and exit",
}

// sameValue reports whether two flags set the same variable (-l and
// --keylog, -h and --help).
func sameValue(a, b flag.Value) bool {
	ra, rb := reflect.ValueOf(a), reflect.ValueOf(b)
	return ra.Kind() == reflect.Pointer && rb.Kind() == reflect.Pointer && ra.Type() == rb.Type() && ra.Pointer() == rb.Pointer()
}

// flag finds the row of a flag by one of its names (no dashes).
func (h *helpDoc) flag(name string) *flagDoc {
	for _, f := range h.flags {
		if f.short == name || f.long == name {
			return f
		}
	}
	return nil
}

// helpText is what "ssldissect CMD --help" prints.
func helpText(cmd string) string {
	var b bytes.Buffer
	if err := run([]string{cmd, "--help"}, strings.NewReader(""), &b, io.Discard); err != nil {
		panic("ssldissect " + cmd + " --help: " + err.Error())
	}
	return b.String()
}

// registeredFlags is the flag set parseArgs builds, by way of --help
// (which returns before validation).
func registeredFlags() *flag.FlagSet {
	o, err := parseArgs([]string{"--help"}, io.Discard)
	if err != nil || o.flags == nil {
		panic("ssldissect --help: no flag set")
	}
	return o.flags
}

// commandFlags is the flag table of one command: every flag parseArgs
// registers that validate does not refuse for cmd, each with the help of
// its row in "ssldissect CMD --help" (else in the general --help), and
// its enumerated values. Flags sharing one flag.Value (-l and --keylog)
// are one entry.
func commandFlags(cmd string) []*flagDoc {
	own := parseHelp(helpText(cmd))
	general := parseHelp(helpText("dissect"))
	fs := registeredFlags()
	var out []*flagDoc
	seen := map[string]*flagDoc{}
	add := func(fl *flag.Flag) {
		if seen[fl.Name] != nil {
			return
		}
		d := &flagDoc{long: fl.Name, section: "Other"}
		if len(fl.Name) == 1 {
			d.short, d.long = fl.Name, ""
		}
		row := own.flag(fl.Name)
		if row == nil {
			row = general.flag(fl.Name)
		}
		if row != nil {
			c := *row
			d = &c
		} else {
			// No row: the names that set the same variable are one entry.
			fs.VisitAll(func(o *flag.Flag) {
				if o.Name != fl.Name && sameValue(o.Value, fl.Value) {
					if len(o.Name) == 1 && d.short == "" {
						d.short = o.Name
					} else if len(o.Name) > 1 && d.long == "" {
						d.long = o.Name
					}
				}
			})
			if h, ok := undocumented[d.long]; ok {
				d.help, d.section = []string{h}, "Help"
			}
		}
		for _, n := range []string{d.short, d.long} {
			if n != "" {
				seen[n] = d
			}
		}
		seen[fl.Name] = d
		if bf, ok := fl.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			d.isBool = true
		}
		first := d.long
		if first == "" {
			first = d.short
		}
		if !probeCommand(cmd, first, d.isBool) {
			return
		}
		if !d.isBool && d.arg != "EXPR" { // an expression (--select) is no enumeration
			d.values = probeValues(cmd, first, d.help)
		}
		out = append(out, d)
	}
	fs.VisitAll(add)
	// VisitAll is in name order; keep the --help order, then the rest.
	order := func(f *flagDoc) int {
		for i, r := range own.flags {
			if r.long == f.long && r.short == f.short {
				return i
			}
		}
		for i, r := range general.flags {
			if r.long == f.long && r.short == f.short {
				return len(own.flags) + i
			}
		}
		return len(own.flags) + len(general.flags)
	}
	slices.SortStableFunc(out, func(a, b *flagDoc) int { return order(a) - order(b) })
	return out
}

// otherCommandRe matches validate's refusal of another command's flag
// ("--fail-on is an audit flag", "--hex and --ascii are dissect flags").
var otherCommandRe = regexp.MustCompile(`\b(?:is an?|are) (\w+) flags?\b`)

// probeCommand reports whether validate takes the flag for cmd: it is
// refused only as another command's flag. The argument tried is the
// first of a few that the flag parses.
func probeCommand(cmd, name string, isBool bool) bool {
	args := [][]string{{"--" + name}}
	if !isBool {
		args = nil
		for _, v := range []string{"1", "1s", "x"} {
			args = append(args, []string{"--" + name, v})
		}
	}
	for _, a := range args {
		_, err := parseArgs(append(append([]string{cmd}, a...), "x.pcap"), io.Discard)
		if err == nil {
			return true
		}
		msg := err.Error()
		if strings.Contains(msg, "invalid value") {
			continue
		}
		if m := otherCommandRe.FindStringSubmatch(msg); m != nil && m[1] != cmd && slices.Contains(docCommands, m[1]) {
			return false
		}
		return true
	}
	return true
}

// wordRe is a candidate value in a flag's help.
var wordRe = regexp.MustCompile(`[a-z][a-z-]*[a-z]`)

// probeValues is the enumeration of a flag for cmd: the words of its help
// that validate accepts as its value, when it refuses a made-up one;
// nil when the flag is no enumeration.
func probeValues(cmd, name string, help []string) []string {
	accepts := func(v string) bool {
		_, err := parseArgs([]string{cmd, "--" + name, v, "x.pcap"}, io.Discard)
		return err == nil
	}
	if accepts("no-such-value-zz") {
		return nil
	}
	var vals []string
	for _, w := range wordRe.FindAllString(strings.Join(help, " "), -1) {
		if !slices.Contains(vals, w) && accepts(w) {
			vals = append(vals, w)
		}
	}
	return vals
}
