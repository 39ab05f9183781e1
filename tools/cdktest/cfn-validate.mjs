// Validates CloudFormation templates offline with the official validator
// (@aws/cloudformation-validate) and prints one JSON report per template on
// stdout: {"template": path, "diagnostics": [{severity, ruleId, message, ...}]}.
// cdktest runs it as `node --input-type=module --eval <this> -- template.json...`
// from the module root, so the import resolves in that module's node_modules.
import { RegoEngine, TemplateFile } from "@aws/cloudformation-validate";

const engine = new RegoEngine();
try {
  const reports = process.argv.slice(1).map((path) => {
    const template = new TemplateFile(path);
    try {
      const report = engine.validateStandard(template);
      return {
        template: path,
        diagnostics: report.diagnostics.map((d) => ({
          severity: String(d.severity),
          ruleId: d.ruleId,
          message: d.message,
          resource: d.resource ?? d.logicalId ?? null,
          path: d.path ?? null,
        })),
      };
    } finally {
      template.free?.();
    }
  });
  process.stdout.write(JSON.stringify(reports) + "\n");
} finally {
  engine.free();
}
