// Goals: metric goals, business KPIs from formulas, production constraints and budget (`.mlops/goals.json`).
export * from './formula';
export * from './schema';
export * from './document';
export * from './evaluate';
export * from './file';
export * from './fields';
