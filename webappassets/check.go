package webappassets

import (
	"errors"
	"fmt"
	"html/template"
	"text/template/parse"
)

// Check finds every {{asset "..."}} call in the template set and returns an
// error naming each template and path the manifest does not know, so that a
// test fails on a reference to a missing file rather than the page at run
// time — including references in branches a test does not render. A call
// whose argument is not a string literal cannot be checked, and is an error
// too: name the file in the template, or look it up with Path yourself.
func Check(t *template.Template, m *Manifest) error {
	var errs []error
	for _, tmpl := range t.Templates() {
		if tmpl.Tree == nil || tmpl.Tree.Root == nil {
			continue
		}
		walk(tmpl.Tree.Root, func(cmd *parse.CommandNode) {
			if len(cmd.Args) == 0 {
				return
			}
			if id, ok := cmd.Args[0].(*parse.IdentifierNode); !ok || id.Ident != FuncName {
				return
			}
			if len(cmd.Args) != 2 {
				errs = append(errs, fmt.Errorf("template %s: %s: %s takes one path", tmpl.Name(), cmd, FuncName))
				return
			}
			lit, ok := cmd.Args[1].(*parse.StringNode)
			if !ok {
				errs = append(errs, fmt.Errorf("template %s: %s: the path is not a string literal, so it cannot be checked", tmpl.Name(), cmd))
				return
			}
			if _, err := m.Path(lit.Text); err != nil {
				errs = append(errs, fmt.Errorf("template %s: %w", tmpl.Name(), err))
			}
		})
	}
	return errors.Join(errs...)
}

// walk calls f on every command under n, in pipelines of actions, of if,
// range and with (and their else branches), of template calls and of
// parenthesized sub-pipelines.
func walk(n parse.Node, f func(*parse.CommandNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walk(c, f)
		}
	case *parse.ActionNode:
		walk(n.Pipe, f)
	case *parse.IfNode:
		walkBranch(&n.BranchNode, f)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, f)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, f)
	case *parse.TemplateNode:
		walk(n.Pipe, f)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walk(c, f)
		}
	case *parse.CommandNode:
		f(n)
		for _, a := range n.Args {
			walk(a, f)
		}
	case *parse.ChainNode:
		walk(n.Node, f)
	}
}

func walkBranch(b *parse.BranchNode, f func(*parse.CommandNode)) {
	walk(b.Pipe, f)
	walk(b.List, f)
	walk(b.ElseList, f)
}
