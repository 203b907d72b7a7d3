/**
 * The date range picker: Today · 7 days · 30 days · Custom, and for Custom two date fields.
 * The Requests and Charts tabs each show one; both edit the panel's one range.
 */
import { formatDay, presetLabels, rangePresets, type DateRangeChoice, type RangePreset } from '../date-range';
import { element } from './dom';

export class RangePicker {
  readonly root: HTMLElement;
  private readonly buttons = new Map<RangePreset, HTMLButtonElement>();
  private readonly from: HTMLInputElement;
  private readonly to: HTMLInputElement;
  private readonly customFields: HTMLElement;
  private choice: DateRangeChoice;

  constructor(
    choice: DateRangeChoice,
    private readonly onChange: (choice: DateRangeChoice) => void,
  ) {
    this.choice = choice;
    for (const preset of rangePresets) {
      this.buttons.set(
        preset,
        element('button', { type: 'button', className: 'segment', dataset: { range: preset }, on: { click: () => this.pick(preset) } }, [presetLabels[preset]]) as HTMLButtonElement,
      );
    }
    const dateField = (label: string, key: 'from' | 'to'): HTMLInputElement =>
      element('input', {
        type: 'date',
        className: 'date-field',
        dataset: { rangeField: key },
        attrs: { 'aria-label': label, max: formatDay(Date.now()) },
        on: { change: () => this.dateChanged() },
      }) as HTMLInputElement;
    this.from = dateField('From', 'from');
    this.to = dateField('To', 'to');
    this.customFields = element('span', { className: 'custom-range' }, [this.from, element('span', { className: 'range-dash' }, ['–']), this.to]);
    this.root = element('div', { className: 'range-picker', attrs: { role: 'group', 'aria-label': 'Date range' } }, [
      element('div', { className: 'segmented' }, [...this.buttons.values()]),
      this.customFields,
    ]);
    this.render();
  }

  /** Shows a choice made elsewhere (the other tab's picker). */
  set(choice: DateRangeChoice): void {
    this.choice = choice;
    this.render();
  }

  private pick(preset: RangePreset): void {
    if (preset === 'custom') {
      // Custom starts from what the last preset showed, so switching loses nothing.
      const today = formatDay(Date.now());
      const back = this.choice.preset === 'today' ? 0 : this.choice.preset === '7d' ? 6 : 29;
      const from = this.choice.preset === 'custom' ? this.choice.from : formatDay(Date.now() - back * 86_400_000);
      this.choice = { preset, from, to: this.choice.preset === 'custom' ? this.choice.to : today };
    } else {
      this.choice = { preset };
    }
    this.render();
    this.onChange(this.choice);
  }

  private dateChanged(): void {
    this.choice = { preset: 'custom', from: this.from.value || undefined, to: this.to.value || undefined };
    this.onChange(this.choice);
  }

  private render(): void {
    for (const [preset, button] of this.buttons) button.setAttribute('aria-pressed', String(preset === this.choice.preset));
    const custom = this.choice.preset === 'custom';
    this.customFields.hidden = !custom;
    if (custom) {
      this.from.value = this.choice.from ?? '';
      this.to.value = this.choice.to ?? '';
    }
  }
}
