export * from './construct/ecs-ami-refresher';
