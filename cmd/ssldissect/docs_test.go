package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// generated are the files "make man" writes, from the repository root,
// and the command that prints each.
var generated = []struct {
	path string
	args []string
}{
	{"docs/man/ssldissect.1", []string{"man"}},
	{"completions/ssldissect.bash", []string{"completion", "bash"}},
	{"completions/_ssldissect", []string{"completion", "zsh"}},
	{"completions/ssldissect.fish", []string{"completion", "fish"}},
}

func generate(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(args, strings.NewReader(""), &out, &errb); err != nil {
		t.Fatalf("ssldissect %s: %v (%s)", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// TestGeneratedDocsCurrent fails when a committed man page or completion
// script differs from what this binary prints: run "make man".
func TestGeneratedDocsCurrent(t *testing.T) {
	for _, g := range generated {
		want, err := os.ReadFile(filepath.Join("..", "..", g.path))
		if err != nil {
			t.Fatalf("%v (run 'make man')", err)
		}
		if got := generate(t, g.args...); got != string(want) {
			t.Errorf("%s is stale: it differs from 'ssldissect %s'; run 'make man' and commit it", g.path, strings.Join(g.args, " "))
		}
	}
}

// TestFlagTableComplete: every flag parseArgs registers has a row in
// --help (but -h, --help and --version, which are described in
// flagtable.go), and every row of --help names a registered flag.
func TestFlagTableComplete(t *testing.T) {
	fs := registeredFlags()
	for _, cmd := range docCommands {
		h := parseHelp(helpText(cmd))
		for _, r := range h.flags {
			for _, n := range []string{r.short, r.long} {
				if n != "" && fs.Lookup(n) == nil {
					t.Errorf("%s --help lists %s, which parseArgs does not register", cmd, n)
				}
			}
		}
		for _, f := range commandFlags(cmd) {
			if len(f.help) == 0 || strings.TrimSpace(f.help[0]) == "" {
				t.Errorf("%s: flag %v has no row in --help", cmd, f.names())
			}
		}
	}
	// Every registered name is in some command's table.
	inTable := map[string]bool{}
	for _, cmd := range docCommands {
		for _, f := range commandFlags(cmd) {
			inTable[f.short], inTable[f.long] = true, true
		}
	}
	fs.VisitAll(func(f *flag.Flag) {
		if !inTable[f.Name] {
			t.Errorf("flag %s is in no command's table", f.Name)
		}
	})
}

// TestFlagTableProbes checks what the table asks of validate: which
// command takes a flag and the enumerations.
func TestFlagTableProbes(t *testing.T) {
	find := func(cmd, name string) *flagDoc {
		for _, f := range commandFlags(cmd) {
			if f.long == name {
				return f
			}
		}
		return nil
	}
	if find("dissect", "fail-on") != nil || find("dissect", "interval") != nil {
		t.Error("dissect's table has audit's --fail-on or --interval")
	}
	if find("audit", "hex") != nil || find("audit", "ascii") != nil {
		t.Error("audit's table has dissect's --hex or --ascii")
	}
	for _, c := range []struct {
		cmd, flag string
		want      []string
	}{
		{"dissect", "format", []string{"text", "json"}},
		{"audit", "format", []string{"table", "json", "csv", "markdown"}},
		{"audit", "fail-on", []string{"weak", "insecure"}},
	} {
		f := find(c.cmd, c.flag)
		if f == nil {
			t.Fatalf("%s has no --%s", c.cmd, c.flag)
		}
		for _, v := range c.want {
			if !slices.Contains(f.values, v) {
				t.Errorf("%s --%s values %v lack %q", c.cmd, c.flag, f.values, v)
			}
		}
	}
	if f := find("dissect", "filter"); f == nil || f.values != nil {
		t.Errorf("--filter is no enumeration: %+v", f)
	}
}

// TestDocsHaveEveryFlag: every flag of every command's table is in the
// man page, under that command, and in each completion script; every
// enumerated value is in each script.
func TestDocsHaveEveryFlag(t *testing.T) {
	man := generate(t, "man")
	sections := map[string]string{}
	for i, cmd := range docCommands {
		start := strings.Index(man, ".SS "+cmd+"\n")
		if start < 0 {
			t.Fatalf("man page has no .SS %s", cmd)
		}
		end := len(man)
		if i+1 < len(docCommands) {
			end = strings.Index(man, ".SS "+docCommands[i+1]+"\n")
		} else if e := strings.Index(man[start:], ".SH "); e >= 0 {
			end = start + e
		}
		sections[cmd] = man[start:end]
	}
	scripts := map[string]string{}
	for _, sh := range shells {
		scripts[sh] = generate(t, "completion", sh)
	}
	for _, cmd := range docCommands {
		for _, f := range commandFlags(cmd) {
			for _, n := range f.names() {
				if !strings.Contains(sections[cmd], `\fB`+roff(n)+`\fR`) {
					t.Errorf("man page, %s: no %s", cmd, n)
				}
				for sh, s := range scripts {
					word := n
					if sh == "fish" {
						word = strings.TrimLeft(n, "-")
						if len(word) == 1 {
							word = "-s " + word
						} else {
							word = "-l " + word
						}
					}
					if !strings.Contains(s, word) {
						t.Errorf("%s completion: no %s (%s)", sh, n, cmd)
					}
				}
			}
			for _, v := range f.values {
				for sh, s := range scripts {
					if !strings.Contains(s, v) {
						t.Errorf("%s completion: no value %s of %s --%s", sh, v, cmd, f.long)
					}
				}
			}
		}
	}
	for _, c := range allCommands() {
		for sh, s := range scripts {
			if !strings.Contains(s, c.name) {
				t.Errorf("%s completion: no command %s", sh, c.name)
			}
		}
		if !strings.Contains(man, `\fB`+roff(c.name)+`\fR`) {
			t.Errorf("man page: no command %s", c.name)
		}
	}
	for _, want := range []string{".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH COMMANDS", ".SH OPTIONS", ".SH EXIT STATUS", ".SH ENVIRONMENT", "SSLKEYLOGFILE", ".SH EXAMPLES", ".SH SEE ALSO", "tshark", "ssldump", "zeek"} {
		if !strings.Contains(man, want) {
			t.Errorf("man page: no %q", want)
		}
	}
}

// checkSyntax runs a shell's syntax check (-n) on a script.
func checkSyntax(t *testing.T, shell, script string) {
	t.Helper()
	path := testenv.Tool(t, shell, "checks the syntax of the "+shell+" completion")
	f := filepath.Join(t.TempDir(), "completion."+shell)
	if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(path, "-n", f).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("%s -n: %v\n%s", shell, err, out)
	}
}

func TestCompletionSyntax(t *testing.T) {
	for _, sh := range shells {
		t.Run(sh, func(t *testing.T) { checkSyntax(t, sh, generate(t, "completion", sh)) })
	}
}

// TestBashCompletionWorks runs the bash completion function on a few
// command lines.
func TestBashCompletionWorks(t *testing.T) {
	bash := testenv.Tool(t, "bash", "runs the bash completion")
	f := filepath.Join(t.TempDir(), "c.bash")
	if err := os.WriteFile(f, []byte(generate(t, "completion", "bash")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		words string
		want  []string
		not   []string
	}{
		{"ssldissect audit --format ''", []string{"table", "csv", "markdown", "json"}, []string{"text"}},
		{"ssldissect --format ''", []string{"text", "json"}, []string{"table"}},
		{"ssldissect audit --fail-on ''", []string{"weak", "insecure"}, nil},
		{"ssldissect --fa", nil, []string{"--fail-on"}},
		{"ssldissect audit --fa", []string{"--fail-on"}, nil},
		{"ssldissect comp", []string{"completion"}, nil},
		{"ssldissect completion ''", []string{"bash", "zsh", "fish"}, nil},
	} {
		script := "source " + f + "\nCOMP_WORDS=(" + c.words + ")\nCOMP_CWORD=$((${#COMP_WORDS[@]}-1))\n_ssldissect\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		out, err := exec.Command(bash, "-c", script).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.words, err, out)
		}
		got := strings.Fields(string(out))
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: completions %v lack %s", c.words, got, w)
			}
		}
		for _, w := range c.not {
			if slices.Contains(got, w) {
				t.Errorf("%s: completions %v have %s", c.words, got, w)
			}
		}
	}
}

// TestManPageRenders renders the man page with groff, every warning on:
// there must be none.
func TestManPageRenders(t *testing.T) {
	groff := testenv.Tool(t, "groff", "renders the man page to check it")
	f := filepath.Join(t.TempDir(), "ssldissect.1")
	if err := os.WriteFile(f, []byte(generate(t, "man")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, width := range []string{"-rLL=80n", "-rLL=120n"} {
		cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z", width, f)
		out, err := cmd.CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("groff %s: %v\n%s", width, err, out)
		}
	}
}
