/**
 * The end of an exhaustive `switch`: a case left out makes `value` not `never`, so the call
 * does not compile. At run time it means data the types do not describe reached the switch.
 */
export function unreachable(value: never, what = 'case'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
