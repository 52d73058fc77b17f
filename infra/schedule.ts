// EventBridge schedule expressions as EventBridge accepts them, checked at synth so a bad
// `verificationSchedule` fails with its key named instead of failing the deploy (PutRule answers
// ValidationException only once CloudFormation reaches the rule).
//
// AWS source: Amazon EventBridge User Guide, "Rate expressions reference"
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html): rate(value
// unit), value a positive number, unit minute|minutes|hour|hours|day|days, singular exactly when the
// value is 1. "Using cron and rate expressions to schedule rules"
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html): cron(…)
// has six required fields, each with its range and wildcards as in CRON_FIELDS below, and
// Day-of-month and Day-of-week cannot both be given: one of them is `?`.

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names accepted in place of numbers (JAN-DEC, SUN-SAT), numbered from `min`. */
  readonly names?: readonly string[];
  /** The wildcards the field accepts besides , - * / (which every field but Day-of-week takes). */
  readonly extra: string;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const CRON_FIELDS: readonly CronField[] = [
  { name: 'Minutes', min: 0, max: 59, extra: '' },
  { name: 'Hours', min: 0, max: 23, extra: '' },
  { name: 'Day-of-month', min: 1, max: 31, extra: '?LW' },
  { name: 'Month', min: 1, max: 12, names: MONTHS, extra: '' },
  { name: 'Day-of-week', min: 1, max: 7, names: DAYS, extra: '?L#' },
  { name: 'Year', min: 1970, max: 2199, extra: '' },
];

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.*)\)$/;

function valueProblem(field: CronField, text: string): string | undefined {
  const upper = text.toUpperCase();
  const named = field.names?.indexOf(upper) ?? -1;
  if (named >= 0) return undefined;
  if (!/^\d+$/.test(text)) return `${field.name} has "${text}", not a value`;
  const n = Number(text);
  return n >= field.min && n <= field.max
    ? undefined
    : `${field.name} is ${field.min}-${field.max}, not ${text}`;
}

/** Why one cron field is refused, or undefined when EventBridge takes it. */
function cronFieldProblem(field: CronField, text: string): string | undefined {
  if (text === '*') return undefined;
  if (text === '?') return field.extra.includes('?') ? undefined : `${field.name} cannot be ?`;
  if (text === 'L') return field.extra.includes('L') ? undefined : `${field.name} cannot be L`;
  for (const part of text.split(',')) {
    if (part === '') return `${field.name} has an empty list entry`;
    // Day-of-week n#k: the k-th weekday n of the month (k is 1 to 5).
    const nth = /^([^#]+)#([1-5])$/.exec(part);
    if (nth) {
      if (!field.extra.includes('#')) return `${field.name} cannot use #`;
      const problem = valueProblem(field, nth[1] as string);
      if (problem) return problem;
      continue;
    }
    if (part.includes('#')) return `${field.name} has "${part}": # takes a weekday and 1 to 5`;
    // Day-of-month nW: the weekday nearest to day n; LW: the last weekday of the month.
    if (field.extra.includes('W') && /^(\d+|L)W$/.test(part)) {
      const day = part.slice(0, -1);
      if (day !== 'L') {
        const problem = valueProblem(field, day);
        if (problem) return problem;
      }
      continue;
    }
    const [range, step, ...more] = part.split('/');
    if (more.length > 0) return `${field.name} has "${part}": one / at most`;
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) {
      return `${field.name} has "${part}": the increment after / is a positive number`;
    }
    if (range === undefined || range === '') return `${field.name} has "${part}": nothing before /`;
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `${field.name} has "${part}": a range is start-end`;
    for (const bound of bounds) {
      const problem = valueProblem(field, bound);
      if (problem) return problem;
    }
  }
  return undefined;
}

/**
 * Every reason EventBridge would refuse `expression` as a rule's ScheduleExpression; empty when it
 * accepts it. `off` is this product's own word for "no schedule" and is not an expression.
 */
export function scheduleExpressionProblems(expression: string): string[] {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] as string;
    if (value < 1) return [`rate(${rate[1]} ${unit}): the value must be 1 or more`];
    const plural = unit.endsWith('s');
    if (value === 1 && plural)
      return [`rate(1 ${unit}): a value of 1 takes the singular unit (${unit.slice(0, -1)})`];
    if (value > 1 && !plural)
      return [`rate(${value} ${unit}): a value over 1 takes the plural unit (${unit}s)`];
    return [];
  }
  if (expression.startsWith('rate(')) {
    return ['a rate is rate(<value> <unit>) with a whole number and minute(s), hour(s) or day(s)'];
  }
  const cron = CRON.exec(expression);
  if (!cron) return ["must be 'off', rate(<value> <unit>) or cron(<six fields>)"];
  const fields = (cron[1] as string)
    .trim()
    .split(/\s+/)
    .filter((f) => f !== '');
  if (fields.length !== CRON_FIELDS.length) {
    return [
      `cron(...) has six fields (Minutes Hours Day-of-month Month Day-of-week Year), not ${fields.length}`,
    ];
  }
  const problems = CRON_FIELDS.flatMap((field, i) => cronFieldProblem(field, fields[i] as string) ?? []);
  const dayOfMonth = fields[2];
  const dayOfWeek = fields[4];
  if (dayOfMonth !== '?' && dayOfWeek !== '?') {
    problems.push('cron(...) cannot give both Day-of-month and Day-of-week: one of them must be ?');
  }
  return problems;
}
