/**
 * One task-definition pipeline for render-taskdef and deploy-ecs:
 * read (a file as data) → normalise (what RegisterTaskDefinition takes) →
 * validate (a table of named rules).
 */
export * from './fields.js';
export * from './normalise.js';
export * from './paths.js';
export * from './placeholders.js';
export * from './problem.js';
export * from './read.js';
export * from './structure.js';
export * from './validate.js';
