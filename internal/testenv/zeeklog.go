package testenv

import (
	"bufio"
	"os"
	"strings"
)

// ReadZeekLog reads the lines of a Zeek log baseline of the conformance
// corpus (TSV with a #fields header, or zeek-cut's output with a "ts"
// header line) as maps of column name to value; nil when the file cannot
// be read.
func ReadZeekLog(path string) []map[string]string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var fields []string
	var out []map[string]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "#fields\t"); ok {
			fields = strings.Split(rest, "\t")
			continue
		}
		if rest, ok := strings.CutPrefix(line, "ts\t"); ok && fields == nil { // a zeek-cut header
			fields = append([]string{"ts"}, strings.Split(rest, "\t")...)
			continue
		}
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		row := map[string]string{}
		for i, c := range strings.Split(line, "\t") {
			if i < len(fields) {
				row[fields[i]] = c
			}
		}
		out = append(out, row)
	}
	return out
}
