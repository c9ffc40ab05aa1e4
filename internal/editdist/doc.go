// Package editdist measures how far a mistyped word is from the ones a
// command knows (the Levenshtein distance), for "did you mean" hints: the
// CLI's subcommands and --select's field names.
package editdist
