/**
 * Compile-time checks that a reply schema fits what a route returns: it accepts every value of the
 * model, and names exactly the model's keys (fastify's serialiser drops a key its schema leaves
 * out). Written `export type X = Fits<Static<typeof Schema>, Model>`: a mismatch fails the build.
 */
export type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
export type Assert<T extends true> = T;
/** Model's values fit the schema's (the constraint), and the keys are the same (the second element). */
export type Fits<Schema, Model extends Schema> = [Model, SameKeys<Schema, Model>];
/** Fails the build unless every check's second element is true. */
export type AllFit<T extends readonly [unknown, true][]> = T;
