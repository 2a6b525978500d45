package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// strictCommands makes every command group of the tree refuse what it does
// not know: an unknown subcommand ("kennel plan statuss") is an error with
// the closest commands suggested, instead of the group's help and exit 0;
// an unknown flag suggests the closest flags.
func strictCommands(root *cobra.Command) {
	root.SetFlagErrorFunc(flagError)
	walk(root, func(c *cobra.Command) {
		if !c.HasSubCommands() || c.Runnable() {
			return
		}
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return unknownCommand(cmd, args[0])
		}
	})
}

func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// unknownCommand is the error for a word that names no subcommand of cmd.
func unknownCommand(cmd *cobra.Command, word string) error {
	msg := fmt.Sprintf("unknown command %q for %q", word, cmd.CommandPath())
	var names, close []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
			if closeTo(word, sub.Name()) {
				close = append(close, sub.Name())
			}
		}
	}
	if s := close; len(s) > 0 {
		msg += "; did you mean " + orList(s, cmd.CommandPath()+" ") + "?"
	} else if hint := elsewhere[word]; hint != "" {
		msg += "; " + hint
	}
	msg += "\nits commands are: " + strings.Join(names, ", ")
	return errors.New(msg)
}

// elsewhere points words that belong to another command group there.
var elsewhere = map[string]string{
	"log":  `a task's logs are "kennel task log TASK"`,
	"logs": `a task's logs are "kennel task log TASK"`,
	"ls":   `a task's sandbox is "kennel task ls TASK"`,
}

// flagError adds the closest flags to cobra's "unknown flag" errors.
func flagError(cmd *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	var candidates []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && closeTo(name, f.Name) {
			candidates = append(candidates, "--"+f.Name)
		}
	})
	msg := err.Error()
	if len(candidates) > 0 {
		sort.Strings(candidates)
		msg += "; did you mean " + orList(candidates, "") + "?"
	}
	return fmt.Errorf("%s (see %q)", msg, cmd.CommandPath()+" --help")
}

// closeTo reports whether typed is a plausible typo of name: a prefix of
// it, or within two edits.
func closeTo(typed, name string) bool {
	return typed != "" && strings.HasPrefix(name, typed) || levenshtein(typed, name) <= min(2, len(typed)/3+1)
}

func orList(words []string, prefix string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = fmt.Sprintf("%q", prefix+w)
	}
	if len(quoted) == 1 {
		return quoted[0]
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
