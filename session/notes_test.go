package session_test

import (
	"bufio"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/session"
)

var updateNotes = flag.Bool("update", false, "rewrite docs/NOTES.md from session.NoteCodes")

const notesDoc = "../docs/NOTES.md"

// renderNotes writes the registry as the Markdown table of docs/NOTES.md.
func renderNotes() string {
	var b strings.Builder
	b.WriteString("# Note codes\n\n")
	b.WriteString("Every note a connection or record can carry (`notes[].code` in JSON, `note CODE` in\n")
	b.WriteString("text). Written from `session.NoteCodes` by `go test ./session -run NoteDocs -update`;\n")
	b.WriteString("a test fails when this page and the registry differ, and when any output in\n")
	b.WriteString("`testdata/golden` carries a code the registry lacks.\n\n")
	b.WriteString("| code | what it means | what to do |\n|---|---|---|\n")
	for _, n := range session.NoteCodes {
		b.WriteString("| `" + string(n.Code) + "` | " + n.Meaning + " | " + n.Action + " |\n")
	}
	return b.String()
}

// TestNoteDocs: docs/NOTES.md is the registry, and every code in the
// registry is unique and documented.
func TestNoteDocs(t *testing.T) {
	seen := map[session.NoteCode]bool{}
	for _, n := range session.NoteCodes {
		if seen[n.Code] || n.Meaning == "" || n.Action == "" {
			t.Errorf("note %q: duplicate or undocumented", n.Code)
		}
		seen[n.Code] = true
	}
	want := renderNotes()
	if *updateNotes {
		if err := os.WriteFile(notesDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(notesDoc)
	if err != nil {
		t.Fatalf("%v (go test ./session -run NoteDocs -update writes it)", err)
	}
	if string(got) != want {
		t.Errorf("%s differs from session.NoteCodes: run go test ./session -run NoteDocs -update", notesDoc)
	}
}

// TestEmittedNoteCodes: every note code in the golden outputs of the
// shipped captures (records and connections, all 81 captures) is in the
// registry, and the golden files do carry notes, so the check is not empty
// (transport/tcp's stream tests check the codes of every anomaly they make).
func TestEmittedNoteCodes(t *testing.T) {
	files, _ := filepath.Glob("../testdata/golden/*.json")
	if len(files) == 0 {
		t.Fatal("no golden JSON files in testdata/golden")
	}
	count := map[string]int{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			var line struct {
				Notes []struct {
					Code string `json:"code"`
				} `json:"notes"`
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for _, n := range line.Notes {
				count[n.Code]++
				if !session.KnownNoteCode(session.NoteCode(n.Code)) {
					t.Errorf("%s: note code %q is not in session.NoteCodes", filepath.Base(f), n.Code)
				}
			}
		}
		fh.Close()
	}
	if len(count) < 2 {
		t.Errorf("only %d distinct note codes in the golden files: %v", len(count), count)
	}
}
