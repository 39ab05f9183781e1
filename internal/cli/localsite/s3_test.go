package localsite

import (
	"maps"
	"slices"
	"testing"
)

func siteWithBucket(objects map[string]string, prunes ...pruneRule) *Site {
	b := &Bucket{LogicalID: "Static", Objects: map[string]*Object{}, prunes: prunes}
	for k, v := range objects {
		b.Objects[k] = &Object{Body: []byte(v)}
	}
	return &Site{Behaviors: []*Behavior{{PathPattern: "/css/*", Origin: &Origin{Bucket: b}}, {PathPattern: "*", Origin: &Origin{}}}}
}

func TestDeployOverKeepsWhatNoDeploymentPrunes(t *testing.T) {
	v1 := map[string]string{"css/site.1111111111.css": "old", "css/site.css": "old", "robots.txt": "old", "keep/x.map": "old"}
	v2 := map[string]string{"css/site.2222222222.css": "new", "css/site.css": "new"}
	tests := []struct {
		name   string
		prunes []pruneRule
		want   []string
	}{
		{"no prune", nil, []string{"css/site.1111111111.css", "css/site.2222222222.css", "css/site.css", "keep/x.map", "robots.txt"}},
		{"prune everything", []pruneRule{{}}, []string{"css/site.2222222222.css", "css/site.css"}},
		{"prune under a prefix", []pruneRule{{prefix: "css/"}}, []string{"css/site.2222222222.css", "css/site.css", "keep/x.map", "robots.txt"}},
		{"prune but excluded", []pruneRule{{exclude: []string{"*.map"}}}, []string{"css/site.2222222222.css", "css/site.css", "keep/x.map"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := siteWithBucket(v2, tt.prunes...)
			kept := next.DeployOver(siteWithBucket(v1))
			b := next.buckets()["Static"]
			if got := slices.Sorted(maps.Keys(b.Objects)); !slices.Equal(got, tt.want) {
				t.Errorf("objects after the deploy: %v, want %v", got, tt.want)
			}
			if kept != len(tt.want)-len(v2) {
				t.Errorf("kept %d, want %d", kept, len(tt.want)-len(v2))
			}
			if got := string(b.Objects["css/site.css"].Body); got != "new" {
				t.Errorf("css/site.css = %q after the deploy, want the new upload", got)
			}
		})
	}
}
