// Writes the ECS service model embedded in the installed @aws-sdk/client-ecs (the newest the npm registry offers that
// installs on Node 20; tests/sdk-js/package-lock.json pins it) as a botocore-style JSON model: operations with their
// input, output and errors, shapes with their members, required members, list members and map values. The SDK keeps its
// model as "schemas" (arrays per shape); this turns them into the form tests/Emulator.Tests/Wire/ServiceModelValidator.cs
// reads, so responses are checked against AWS's newest ECS model besides Debian's awscli one. Enum values live apart
// from the schemas (the SDK's enum objects): they are written for the shapes whose members the SDK's type declarations
// name, and string members without one are left unconstrained.
//
// Usage: node export-ecs-model.mjs OUT.json
import { createRequire } from "node:module";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as ecs from "@aws-sdk/client-ecs";

const require = createRequire(import.meta.url);
const root = join(dirname(require.resolve("@aws-sdk/client-ecs")), "..");
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

const shapes = {};
const operations = {};

// Scalar schema codes of the SDK's static schemas (@smithy/core): 0 string, 1 number, 2 boolean, 4-7 timestamps,
// 15 document, 21 blob; 64 | x a list of x, 128 | x a map of x.
function scalar(code) {
  if (code === 0) return { name: "__string", shape: { type: "string" } };
  if (code === 1) return { name: "__number", shape: { type: "double" } };
  if (code === 2) return { name: "__boolean", shape: { type: "boolean" } };
  if (code >= 4 && code <= 7) return { name: "__timestamp", shape: { type: "timestamp" } };
  if (code === 21 || code === 42) return { name: "__blob", shape: { type: "blob" } };
  return { name: "__document", shape: { type: "document" } };
}

/** The shape name of a member schema, registering it (and what it refers to) on the way. */
function shapeOf(schema) {
  while (typeof schema === "function") schema = schema();
  if (typeof schema === "number") {
    if (schema & 64 || schema & 128) {
      const inner = shapeOf(schema & 63);
      const name = (schema & 64 ? "__listOf" : "__mapOf") + inner;
      shapes[name] ??= schema & 64
        ? { type: "list", member: { shape: inner } }
        : { type: "map", key: { shape: "__string" }, value: { shape: inner } };
      shapes.__string ??= { type: "string" };
      return name;
    }

    const s = scalar(schema);
    shapes[s.name] ??= s.shape;
    return s.name;
  }

  if (!Array.isArray(schema)) return shapeOf(15);
  const [kind, , name] = schema;
  if (kind === 3 || kind === -3) {
    if (shapes[name]) return name;
    const [, , , traits, memberNames, memberSchemas, requiredCount] = schema;
    const shape = { type: "structure", members: {} };
    shapes[name] = shape;
    memberNames.forEach((m, i) => {
      let ms = memberSchemas[i];
      if (Array.isArray(ms) && ms.length === 2 && (typeof ms[0] === "function" || typeof ms[0] === "number")) ms = ms[0]; // [schema, memberTraits]
      shape.members[m] = { shape: shapeOf(ms) };
    });
    if (requiredCount) shape.required = memberNames.slice(0, requiredCount);
    if (kind === -3) {
      shape.exception = true;
      const t = typeof traits === "object" && traits ? traits : {};
      const fault = Object.values(t).find((v) => v === "client" || v === "server");
      shape.error = { httpStatusCode: fault === "server" ? 500 : 400 };
    }
    return name;
  }

  if (kind === 1) {
    if (!shapes[name]) {
      shapes[name] = { type: "list", member: { shape: "__pending" } };
      shapes[name].member.shape = shapeOf(schema[4]);
    }
    return name;
  }

  if (kind === 2) {
    if (!shapes[name]) {
      shapes[name] = { type: "map", key: { shape: "__pending" }, value: { shape: "__pending" } };
      shapes[name].key.shape = shapeOf(schema[4]);
      shapes[name].value.shape = shapeOf(schema[5]);
    }
    return name;
  }

  if (kind === 0) return shapeOf(schema[4]); // a simple schema with traits (e.g. a sensitive string)
  return shapeOf(15);
}

// Errors an operation declares: the @throws of its command's type declaration.
function errorsOf(operation) {
  const file = join(root, "dist-types", "commands", `${operation}Command.d.ts`);
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return [...text.matchAll(/@throws \{@link (\w+)\}/g)].map((m) => m[1]).filter((e) => e !== "ECSServiceException");
}

for (const [exportName, value] of Object.entries(ecs)) {
  if (!exportName.endsWith("$") || !Array.isArray(value)) continue;
  if (value[0] === 9) {
    const [, , name, , input, output] = value;
    const errors = errorsOf(name);
    operations[name] = {
      name,
      input: { shape: shapeOf(input) },
      output: { shape: shapeOf(output) },
      errors: errors.map((e) => ({ shape: e })),
    };
    for (const e of errors) if (Array.isArray(ecs[`${e}$`])) shapeOf(ecs[`${e}$`]);
  }
}

// Enum values: "member?: EnumName | undefined" in the type declarations of the structures, EnumName one of the SDK's
// enum objects. A member typed by an enum gets a shape of its own with the enum's values.
const enums = Object.fromEntries(Object.entries(ecs).filter(([k, v]) => !k.endsWith("$") && v && typeof v === "object"
  && !Array.isArray(v) && Object.values(v).length > 0 && Object.values(v).every((x) => typeof x === "string")));
const modelsDir = join(root, "dist-types", "models");
for (const f of readdirSync(modelsDir).filter((f) => f.endsWith(".d.ts"))) {
  const text = readFileSync(join(modelsDir, f), "utf8");
  for (const m of text.matchAll(/export interface (\w+) \{([\s\S]*?)\n\}/g)) {
    const shape = shapes[m[1]];
    if (!shape || shape.type !== "structure") continue;
    for (const doc of m[2].matchAll(/\/\*\*([\s\S]*?)\*\/\s*(\w+)\??:/g)) {
      const text = doc[1].split("\n").map((l) => l.replace(/^\s*\* ?/, "")).filter((l) => !l.startsWith("@")).join(" ").trim();
      if (shape.members[doc[2]] && text) shape.members[doc[2]].documentation = text;
    }
    for (const mm of m[2].matchAll(/^\s+(\w+)\??: (\w+)( \| undefined)?;/gm)) {
      const [, member, type] = mm;
      if (enums[type] && shape.members[member]) {
        const name = `__enum${type}`;
        shapes[name] ??= { type: "string", enum: Object.values(enums[type]) };
        shape.members[member] = { shape: name };
      }
    }
  }
}

const model = {
  version: "2.0",
  metadata: { apiVersion: "2014-11-13", protocol: "json", jsonVersion: "1.1", targetPrefix: "AmazonEC2ContainerServiceV20141113", source: `@aws-sdk/client-ecs ${version}` },
  operations,
  shapes,
};
writeFileSync(process.argv[2] ?? "/dev/stdout", JSON.stringify(model));
