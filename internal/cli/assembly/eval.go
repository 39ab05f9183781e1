package assembly

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// noValue is AWS::NoValue: the property or list element that evaluates to
// it is removed.
type noValue struct{}

// Eval returns v, a template value, with its intrinsic functions evaluated
// and its dynamic references replaced by their stand-ins. Properties and list
// elements that evaluate to AWS::NoValue are removed. Supported: Ref,
// Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::Sub, Fn::If (with
// Fn::Equals, Fn::And, Fn::Or, Fn::Not and Condition), Fn::FindInMap,
// Fn::Base64, Fn::GetAZs, Fn::ImportValue (from the assembly's other
// stacks), Fn::ToJsonString and Fn::Length.
func (s *Stack) Eval(v any) (any, error) {
	r, err := s.eval(v, nil)
	if err != nil {
		return nil, err
	}
	if _, ok := r.(noValue); ok {
		return nil, nil
	}
	return s.asm.replaceDynamic(s, r), nil
}

// String evaluates v and requires a string (a number is formatted).
func (s *Stack) String(v any) (string, error) {
	r, err := s.Eval(v)
	if err != nil {
		return "", err
	}
	return scalarString(r)
}

// Decode evaluates v and decodes the result into out, as encoding/json
// would decode the template's JSON.
func (s *Stack) Decode(v any, out any) error {
	r, err := s.Eval(v)
	if err != nil {
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func (s *Stack) eval(v any, vars map[string]any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			for k, arg := range v {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					r, err := s.intrinsic(k, arg, vars)
					if err != nil {
						return nil, fmt.Errorf("%s: %w", k, err)
					}
					return r, nil
				}
			}
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			r, err := s.eval(e, vars)
			if err != nil {
				return nil, fmt.Errorf("%s.%w", k, err)
			}
			if _, ok := r.(noValue); !ok {
				out[k] = r
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(v))
		for i, e := range v {
			r, err := s.eval(e, vars)
			if err != nil {
				return nil, fmt.Errorf("[%d].%w", i, err)
			}
			if _, ok := r.(noValue); !ok {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return v, nil
}

func (s *Stack) intrinsic(fn string, arg any, vars map[string]any) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("argument %v is not a name", arg)
		}
		return s.ref(name, vars)
	case "Fn::GetAtt":
		var id, attr string
		switch a := arg.(type) {
		case string:
			id, attr, _ = strings.Cut(a, ".")
		case []any:
			if len(a) != 2 {
				return nil, fmt.Errorf("want [logicalId, attribute], got %v", a)
			}
			id, _ = a[0].(string)
			r, err := s.eval(a[1], vars)
			if err != nil {
				return nil, err
			}
			attr, _ = r.(string)
		}
		if id == "" || attr == "" {
			return nil, fmt.Errorf("want [logicalId, attribute], got %v", arg)
		}
		return s.attribute(id, attr)
	case "Fn::Join":
		a, err := s.args(arg, 2, vars)
		if err != nil {
			return nil, err
		}
		delim, ok := a[0].(string)
		list, ok2 := a[1].([]any)
		if !ok || !ok2 {
			return nil, fmt.Errorf("want [delimiter, list], got %v", a)
		}
		parts := make([]string, len(list))
		for i, e := range list {
			if parts[i], err = scalarString(e); err != nil {
				return nil, err
			}
		}
		return strings.Join(parts, delim), nil
	case "Fn::Select":
		a, err := s.args(arg, 2, vars)
		if err != nil {
			return nil, err
		}
		idx, err := index(a[0])
		if err != nil {
			return nil, err
		}
		list, ok := a[1].([]any)
		if !ok {
			return nil, fmt.Errorf("%v is not a list", a[1])
		}
		if idx < 0 || idx >= len(list) {
			return nil, fmt.Errorf("index %d out of range of %d elements", idx, len(list))
		}
		return list[idx], nil
	case "Fn::Split":
		a, err := s.args(arg, 2, vars)
		if err != nil {
			return nil, err
		}
		delim, ok := a[0].(string)
		str, ok2 := a[1].(string)
		if !ok || !ok2 || delim == "" {
			return nil, fmt.Errorf("want [delimiter, string], got %v", a)
		}
		parts := strings.Split(str, delim)
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	case "Fn::Sub":
		return s.sub(arg, vars)
	case "Fn::If":
		a, ok := arg.([]any)
		if !ok || len(a) != 3 {
			return nil, fmt.Errorf("want [condition, then, else], got %v", arg)
		}
		name, _ := a[0].(string)
		holds, err := s.condition(name, nil)
		if err != nil {
			return nil, err
		}
		if holds {
			return s.eval(a[1], vars)
		}
		return s.eval(a[2], vars)
	case "Fn::FindInMap":
		a, err := s.args(arg, 3, vars)
		if err != nil {
			return nil, err
		}
		v := any(s.Template.Mappings)
		for _, k := range a {
			key, err := scalarString(k)
			if err != nil {
				return nil, err
			}
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("no mapping %v", a)
			}
			if v, ok = m[key]; !ok {
				return nil, fmt.Errorf("no mapping %v", a)
			}
		}
		return s.eval(v, vars)
	case "Fn::Base64":
		r, err := s.eval(arg, vars)
		if err != nil {
			return nil, err
		}
		str, err := scalarString(r)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(str)), nil
	case "Fn::GetAZs":
		return []any{s.Region + "a", s.Region + "b", s.Region + "c"}, nil
	case "Fn::ImportValue":
		r, err := s.eval(arg, vars)
		if err != nil {
			return nil, err
		}
		name, err := scalarString(r)
		if err != nil {
			return nil, err
		}
		return s.asm.importValue(name)
	case "Fn::ToJsonString":
		r, err := s.eval(arg, vars)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(r)
		return string(b), err
	case "Fn::Length":
		r, err := s.eval(arg, vars)
		if err != nil {
			return nil, err
		}
		list, ok := r.([]any)
		if !ok {
			return nil, fmt.Errorf("%v is not a list", r)
		}
		return float64(len(list)), nil
	}
	return nil, fmt.Errorf("not supported locally")
}

// args evaluates a function's argument list, which must have n elements.
func (s *Stack) args(arg any, n int, vars map[string]any) ([]any, error) {
	list, ok := arg.([]any)
	if !ok || len(list) != n {
		return nil, fmt.Errorf("want %d arguments, got %v", n, arg)
	}
	out := make([]any, n)
	for i, e := range list {
		r, err := s.eval(e, vars)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

func (s *Stack) ref(name string, vars map[string]any) (any, error) {
	if v, ok := vars[name]; ok {
		return v, nil
	}
	switch name {
	case "AWS::AccountId":
		return s.Account, nil
	case "AWS::Region":
		return s.Region, nil
	case "AWS::Partition":
		return s.Partition(), nil
	case "AWS::URLSuffix":
		return s.URLSuffix(), nil
	case "AWS::StackName":
		return s.Name, nil
	case "AWS::StackId":
		return "arn:" + s.Partition() + ":cloudformation:" + s.Region + ":" + s.Account + ":stack/" + s.Name + "/" + s.uuid("stack"), nil
	case "AWS::NotificationARNs":
		return []any{}, nil
	case "AWS::NoValue":
		return noValue{}, nil
	}
	if p, ok := s.Template.Parameters[name]; ok {
		if p.Default == nil {
			return nil, fmt.Errorf("parameter %s has no default, and parameters cannot be given locally", name)
		}
		if strings.HasPrefix(p.Type, "AWS::SSM::Parameter::Value<") {
			// Deploy reads the value from Parameter Store; locally it is a stand-in.
			str, _ := scalarString(p.Default)
			return s.asm.dynamicValue(s, "{{resolve:ssm:"+str+"}}"), nil
		}
		return p.Default, nil
	}
	if _, ok := s.Resource(name); ok {
		return s.physicalID(name)
	}
	return nil, fmt.Errorf("%s is neither a parameter nor a resource of stack %s", name, s.Name)
}

// sub evaluates Fn::Sub: "${Name}" is Ref Name (or the variable Name),
// "${Id.Attr}" is Fn::GetAtt [Id, Attr], "${!Text}" is "${Text}".
func (s *Stack) sub(arg any, vars map[string]any) (any, error) {
	var format string
	switch a := arg.(type) {
	case string:
		format = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("want [string, variables], got %v", a)
		}
		format, _ = a[0].(string)
		m, ok := a[1].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("variables %v are not a map", a[1])
		}
		vars = make(map[string]any, len(m))
		for k, e := range m {
			r, err := s.eval(e, nil)
			if err != nil {
				return nil, err
			}
			vars[k] = r
		}
	default:
		return nil, fmt.Errorf("want a string or [string, variables], got %v", arg)
	}
	var b strings.Builder
	for {
		i := strings.Index(format, "${")
		if i < 0 {
			b.WriteString(format)
			return b.String(), nil
		}
		b.WriteString(format[:i])
		format = format[i+2:]
		j := strings.IndexByte(format, '}')
		if j < 0 {
			return nil, fmt.Errorf("unterminated ${ in %q", format)
		}
		name := format[:j]
		format = format[j+1:]
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			b.WriteString("${" + lit + "}")
			continue
		}
		var r any
		var err error
		if _, isVar := vars[name]; !isVar && strings.Contains(name, ".") && !strings.HasPrefix(name, "AWS::") {
			id, attr, _ := strings.Cut(name, ".")
			r, err = s.attribute(id, attr)
		} else {
			r, err = s.ref(name, vars)
		}
		if err != nil {
			return nil, err
		}
		str, err := scalarString(r)
		if err != nil {
			return nil, err
		}
		b.WriteString(str)
	}
}

// condition evaluates the named condition of the template.
func (s *Stack) condition(name string, seen map[string]bool) (bool, error) {
	expr, ok := s.Template.Conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %s", name)
	}
	if seen[name] {
		return false, fmt.Errorf("condition %s refers to itself", name)
	}
	if seen == nil {
		seen = map[string]bool{}
	}
	seen[name] = true
	defer delete(seen, name)
	return s.conditionValue(expr, seen)
}

func (s *Stack) conditionValue(expr any, seen map[string]bool) (bool, error) {
	m, ok := expr.(map[string]any)
	if !ok || len(m) != 1 {
		if b, ok := expr.(bool); ok {
			return b, nil
		}
		return false, fmt.Errorf("condition %v is not a condition function", expr)
	}
	for fn, arg := range m {
		list, _ := arg.([]any)
		switch fn {
		case "Condition":
			name, _ := arg.(string)
			return s.condition(name, seen)
		case "Fn::Equals":
			if len(list) != 2 {
				return false, fmt.Errorf("Fn::Equals wants 2 values, got %v", arg)
			}
			a, err := s.Eval(list[0])
			if err != nil {
				return false, err
			}
			b, err := s.Eval(list[1])
			if err != nil {
				return false, err
			}
			as, _ := scalarString(a)
			bs, _ := scalarString(b)
			return as == bs, nil
		case "Fn::Not":
			if len(list) != 1 {
				return false, fmt.Errorf("Fn::Not wants 1 condition, got %v", arg)
			}
			v, err := s.conditionValue(list[0], seen)
			return !v, err
		case "Fn::And", "Fn::Or":
			and := fn == "Fn::And"
			for _, c := range list {
				v, err := s.conditionValue(c, seen)
				if err != nil {
					return false, err
				}
				if v != and {
					return v, nil
				}
			}
			return and, nil
		}
		return false, fmt.Errorf("%s is not a condition function", fn)
	}
	panic("unreachable")
}

func (a *Assembly) importValue(name string) (any, error) {
	for _, s := range a.Stacks {
		for _, k := range slices.Sorted(maps.Keys(s.Template.Outputs)) {
			o := s.Template.Outputs[k]
			if o.Export == nil {
				continue
			}
			if n, err := s.String(o.Export.Name); err == nil && n == name {
				return s.Eval(o.Value)
			}
		}
	}
	return nil, fmt.Errorf("no stack of the assembly exports %q", name)
}

// scalarString formats a string, number or boolean as CloudFormation does
// when it joins them into a string.
func scalarString(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	case json.Number:
		return v.String(), nil
	}
	return "", fmt.Errorf("%v is not a string", v)
}

func index(v any) (int, error) {
	switch v := v.(type) {
	case float64:
		return int(v), nil
	case string:
		return strconv.Atoi(v)
	}
	return 0, fmt.Errorf("index %v is not a number", v)
}
