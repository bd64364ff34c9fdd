export * from './ecs-ami-refresher';
