// A block manifest's JSON schema (pydantic's) read as form fields: which literal values each field takes (a number,
// one of some values, a boolean, a string, a list of strings, anything else as JSON) and whether it also takes a
// selector. The settings panel draws a control per field from this, for any block the server lists.

export type Control = "number" | "integer" | "boolean" | "enum" | "string" | "strings" | "json" | "none";

export interface FormField {
  name: string;
  control: Control;
  options: string[];
  selector: boolean;
  required: boolean;
  default?: unknown;
  description?: string;
}

type Schema = Record<string, unknown>;

function isSelector(variant: Schema): boolean {
  return variant.type === "string" && typeof variant.pattern === "string" && variant.pattern.startsWith("^\\$");
}

function variantsOf(property: Schema, defs: Record<string, Schema>): Schema[] {
  const ref = typeof property.$ref === "string" ? defs[property.$ref.replace("#/$defs/", "")] : undefined;
  if (ref) return variantsOf(ref, defs);
  const union = (property.anyOf ?? property.oneOf) as Schema[] | undefined;
  if (union) return union.flatMap((variant) => variantsOf(variant, defs));
  return [property];
}

function controlOf(variants: Schema[]): { control: Control; options: string[] } {
  const enums = variants.flatMap((v) => (Array.isArray(v.enum) ? v.enum.map(String) : "const" in v ? [String(v.const)] : []));
  if (enums.length && variants.every((v) => v.enum || "const" in v)) return { control: "enum", options: enums };
  const types = variants.map((v) => v.type);
  if (types.includes("number")) return { control: "number", options: [] };
  if (types.includes("integer")) return { control: "integer", options: [] };
  if (types.includes("boolean") && variants.length === 1) return { control: "boolean", options: [] };
  if (types.includes("string") && variants.every((v) => v.type === "string")) return { control: "string", options: [] };
  const array = variants.find((v) => v.type === "array");
  if (array && variants.length === 1 && (array.items as Schema | undefined)?.type === "string") return { control: "strings", options: [] };
  if (!variants.length) return { control: "none", options: [] };
  return { control: "json", options: [] };
}

/** Every field of a manifest but `type` and `name`, in the schema's order. */
export function formFields(schema: Schema): FormField[] {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const defs = (schema.$defs ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties)
    .filter(([name]) => name !== "type" && name !== "name")
    .map(([name, property]) => {
      const variants = variantsOf(property, defs);
      const literal = variants.filter((v) => !isSelector(v) && v.type !== "null");
      return {
        name,
        ...controlOf(literal),
        selector: variants.some(isSelector),
        required: required.has(name),
        default: property.default,
        description: typeof property.description === "string" ? property.description : undefined,
      };
    });
}

/** What a control's text means as a value: `undefined` (unset) for an empty box. */
export function parseValue(field: FormField, text: string): unknown {
  if (text.trim() === "") return undefined;
  if (field.control === "number") return Number(text);
  if (field.control === "integer") return Math.round(Number(text));
  if (field.control === "strings") return text.split(",").map((s) => s.trim()).filter(Boolean);
  if (field.control === "json") return JSON.parse(text);
  return text;
}

/** A value as its control's text. */
export function valueText(field: FormField, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (field.control === "strings" && Array.isArray(value)) return value.join(", ");
  if (field.control === "json") return JSON.stringify(value);
  return String(value);
}
